import Fluent

struct CreateWebhookDeliveries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("webhook_deliveries")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .cascade))
            .field("callback_id", .string, .required)
            .field("oneflow_contract_id", .int64, .required)
            .field("event_types", .string, .required)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("outcome_reason", .string)
            .field("attempts", .int, .required)
            .field("received_at", .datetime, .required)
            .field("processed_at", .datetime)
            // The exactly-once guarantee: a retried notification cannot become a second row.
            .unique(on: "installation_id", "callback_id")
            .create()
        try await IndexHelper.create(
            "webhook_deliveries_status_received", on: "webhook_deliveries", columns: ["status", "received_at"], in: database)
        try await IndexHelper.create(
            "webhook_deliveries_contract", on: "webhook_deliveries", columns: ["installation_id", "oneflow_contract_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("webhook_deliveries").delete()
    }
}

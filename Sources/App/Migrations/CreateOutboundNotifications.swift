import Fluent

struct CreateOutboundNotifications: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outbound_notifications")
            .id()
            .field("installation_id", .uuid, .references("installations", "id", onDelete: .setNull))
            .field("type", .string, .required)
            .field("reason", .string, .required)
            .field("subject_id", .uuid)
            .field("ordering_key", .string, .required)
            .field("body", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_error", .string)
            .field("created_at", .datetime)
            .field("sent_at", .datetime)
            .create()
        try await IndexHelper.create(
            "outbound_notifications_due", on: "outbound_notifications", columns: ["status", "next_attempt_at"], in: database)
        try await IndexHelper.create(
            "outbound_notifications_order", on: "outbound_notifications", columns: ["ordering_key", "created_at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbound_notifications").delete()
    }
}

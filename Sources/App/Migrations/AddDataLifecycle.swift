import Fluent
import SQLKit

/// What retention, erasure and offboarding need:
/// - `erased_contracts`: the Oneflow ids of contracts whose employee was erased, without any
///   personal data, so a later notification of one is ignored instead of bringing the person back;
/// - `installations.keep_data` (an admin chose to keep a disconnected customer's records; set
///   for those disconnected before, so an upgrade erases no one unannounced) and
///   `installations.data_erased_at`;
/// - indexes the purges and erasures use: a delivery's kept payload by age (partial, so purged
///   rows drop out of it), contract history by delivery (deleting a delivery sets it NULL there),
///   contract requests by employee.
struct AddDataLifecycle: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("erased_contracts")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .cascade))
            .field("oneflow_contract_id", .int64, .required)
            .field("erased_at", .datetime, .required)
            .unique(on: "installation_id", "oneflow_contract_id")
            .create()
        try await database.schema("installations")
            .field("keep_data", .bool, .required, .sql(.default(false)))
            .update()
        try await database.schema("installations").field("data_erased_at", .datetime).update()
        // Installations disconnected before this version would be erased at the first retention
        // run, before any admin saw a date: they are kept until an admin chooses otherwise.
        try await database.sql().raw("UPDATE installations SET keep_data = \(bind: true) WHERE status = 'disconnected'").run()
        try await IndexHelper.create(
            "outbound_notifications_installation", on: "outbound_notifications", columns: ["installation_id"], in: database)
        try await IndexHelper.create("contract_history_delivery", on: "contract_history", columns: ["delivery_id"], in: database)
        try await IndexHelper.create("contract_requests_employee", on: "contract_requests", columns: ["employee_id"], in: database)
        // Both databases take a partial index in this form.
        try await database.sql().raw(
            "CREATE INDEX webhook_deliveries_payload_kept ON webhook_deliveries (received_at) WHERE payload <> ''"
        ).run()
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sql()
        for index in [
            "webhook_deliveries_payload_kept", "contract_requests_employee", "contract_history_delivery", "outbound_notifications_installation",
        ] {
            try await sql.drop(index: SQLIdentifier(index)).run()
        }
        try await database.schema("installations").deleteField("data_erased_at").update()
        try await database.schema("installations").deleteField("keep_data").update()
        try await database.schema("erased_contracts").delete()
    }
}

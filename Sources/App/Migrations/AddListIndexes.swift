import Fluent
import SQLKit

/// Indexes for lists paged by a cursor (`PageCursor`): each list's order, (time, id), with and
/// without its installation filter, so a page reads its rows from the index, not a sort of the
/// whole table. The webhook deliveries' two are written by every acknowledgement; their cost
/// is measured in bench/RESULTS.md ("a year's volume").
struct AddListIndexes: AsyncMigration {
    static let indexes: [(name: String, table: String, columns: [String])] = [
        ("employees_updated_id", "employees", ["updated_at", "id"]),
        ("employees_installation_updated", "employees", ["installation_id", "updated_at", "id"]),
        ("webhook_deliveries_received", "webhook_deliveries", ["received_at", "id"]),
        ("webhook_deliveries_installation_received", "webhook_deliveries", ["installation_id", "received_at", "id"]),
        ("outbound_notifications_created", "outbound_notifications", ["created_at", "id"]),
    ]

    func prepare(on database: any Database) async throws {
        // (updated_at) alone is now the first part of (updated_at, id).
        try await database.sql().drop(index: SQLIdentifier("employees_updated")).run()
        for index in Self.indexes {
            try await IndexHelper.create(index.name, on: index.table, columns: index.columns, in: database)
        }
    }

    func revert(on database: any Database) async throws {
        for index in Self.indexes { try await database.sql().drop(index: SQLIdentifier(index.name)).run() }
        try await IndexHelper.create("employees_updated", on: "employees", columns: ["updated_at"], in: database)
    }
}

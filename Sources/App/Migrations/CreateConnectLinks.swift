import Fluent

/// `connect_links`: one-time links the HR system asks for to connect one of its customers
/// (`ConnectLink`), and `installations.hr_customer_reference`, the customer a link bound.
struct CreateConnectLinks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("connect_links")
            .id()
            .field("token_hash", .string, .required)
            .field("customer_reference", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("oneflow_account_id", .int64)
            .field("used_at", .datetime)
            .field("installation_id", .uuid, .references("installations", "id", onDelete: .setNull))
            .unique(on: "token_hash")
            .create()
        try await database.schema("installations").field("hr_customer_reference", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("installations").deleteField("hr_customer_reference").update()
        try await database.schema("connect_links").delete()
    }
}

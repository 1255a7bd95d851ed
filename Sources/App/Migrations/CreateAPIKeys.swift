import Fluent

/// `api_keys`: scoped keys to the HR API, one installation each (`APIKey`).
struct CreateAPIKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("api_keys")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .restrict))
            .field("name", .string, .required)
            .field("key_hash", .string, .required)
            .field("key_prefix", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "key_hash")
            .create()
        try await IndexHelper.create("api_keys_installation", on: "api_keys", columns: ["installation_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("api_keys").delete()
    }
}

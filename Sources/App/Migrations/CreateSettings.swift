import Fluent

/// Facts about the database itself, by name. The first: `master_key_check`, a value sealed
/// with the master key the database's secrets are sealed with (`MasterKeyCheck`).
struct CreateSettings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("settings")
            .field("name", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("settings").delete()
    }
}

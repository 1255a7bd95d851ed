import Fluent

/// `installation_data_fields`: an installation's own data fields and mapping (`FieldSet`),
/// once its admin has changed the configured ones; none until then.
struct CreateInstallationDataFields: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(InstallationDataField.schema)
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id"))
            .field("position", .int, .required)
            .field("custom_id", .string, .required)
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("placeholder", .string, .required)
            .field("maps_to", .string)
            .field("required", .bool, .required)
            .field("format", .string, .required)
            .field("retired", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "installation_id", "custom_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(InstallationDataField.schema).delete()
    }
}

import Fluent

struct CreateInstallations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("installations")
            .id()
            .field("oneflow_account_id", .int64, .required)
            .field("account_name", .string, .required)
            .field("status", .string, .required)
            .field("token_sealed", .string)
            .field("user_email", .string)
            .field("sign_key_sealed", .string)
            .field("previous_sign_key_sealed", .string)
            .field("previous_sign_key_expires_at", .datetime)
            .field("webhook_key", .string, .required)
            .field("template_type_id", .int64)
            .field("webhook_id", .int64)
            .field("setup_step", .string)
            .field("last_error", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("disconnected_at", .datetime)
            .unique(on: "oneflow_account_id")
            .unique(on: "webhook_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("installations").delete()
    }
}

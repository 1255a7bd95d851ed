import Fluent

/// `notification_targets`: an installation's own notification endpoint (`NotificationTarget`),
/// at most one each; gone with its installation.
struct CreateNotificationTargets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notification_targets")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .cascade))
            .field("endpoint", .string, .required)
            .field("key_sealed", .string)
            .field("secret_sealed", .string)
            .field("timeout_seconds", .int, .required)
            .field("ca_pem", .string)
            .field("client_certificate_pem", .string)
            .field("client_key_sealed", .string)
            .field("verified_at", .datetime, .required)
            .unique(on: "installation_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("notification_targets").delete()
    }
}

import Fluent

/// `setup_requests`: new accounts' setups waiting for an admin's approval (`SetupRequest`).
struct CreateSetupRequests: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("setup_requests")
            .id()
            .field("oneflow_account_id", .int64, .required)
            .field("account_name", .string, .required)
            .field("token_sealed", .string)
            .field("status", .string, .required)
            .field("requested_at", .datetime, .required)
            .field("decided_at", .datetime)
            .field("installation_id", .uuid)
            .field("last_error", .string)
            .create()
        try await IndexHelper.create("setup_requests_account", on: "setup_requests", columns: ["oneflow_account_id", "status"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("setup_requests").delete()
    }
}

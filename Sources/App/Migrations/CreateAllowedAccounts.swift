import Fluent

/// `allowed_accounts`: Oneflow accounts an admin allowed to install (`AllowedAccount`).
struct CreateAllowedAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("allowed_accounts")
            .id()
            .field("oneflow_account_id", .int64, .required)
            .field("note", .string, .required)
            .field("added_at", .datetime, .required)
            .unique(on: "oneflow_account_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("allowed_accounts").delete()
    }
}

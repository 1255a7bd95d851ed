import Fluent

/// One row per change of an employment contract: what changed, and which delivery (or
/// reconciliation) brought it.
struct CreateContractHistory: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("contract_history")
            .id()
            .field("contract_id", .uuid, .required, .references("employment_contracts", "id", onDelete: .cascade))
            .field("delivery_id", .uuid, .references("webhook_deliveries", "id", onDelete: .setNull))
            .field("source", .string, .required)
            .field("event_types", .string, .required)
            .field("from_status", .string)
            .field("to_status", .string, .required)
            .field("changes", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await IndexHelper.create("contract_history_contract", on: "contract_history", columns: ["contract_id", "created_at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("contract_history").delete()
    }
}

/// When reconciliation last re-read an installation's contracts.
struct AddInstallationReconciledAt: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("installations").field("last_reconciled_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("installations").deleteField("last_reconciled_at").update()
    }
}

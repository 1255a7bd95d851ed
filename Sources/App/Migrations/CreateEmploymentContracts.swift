import Fluent

struct CreateEmploymentContracts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("employment_contracts")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .restrict))
            .field("employee_id", .uuid, .references("employees", "id", onDelete: .setNull))
            .field("oneflow_contract_id", .int64, .required)
            .field("template_type_id", .int64)
            .field("name", .string)
            .field("status", .string, .required)
            .field("state_updated_at", .datetime)
            .field("lifecycle_state", .string)
            .field("start_date", .string)
            .field("end_date", .string)
            .field("signed_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "installation_id", "oneflow_contract_id")
            .create()
        try await IndexHelper.create("employment_contracts_employee", on: "employment_contracts", columns: ["employee_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("employment_contracts").delete()
    }
}

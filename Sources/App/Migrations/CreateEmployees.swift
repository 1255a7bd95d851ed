import Fluent

struct CreateEmployees: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("employees")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .restrict))
            .field("employee_number", .string)
            .field("name", .string)
            .field("email", .string)
            .field("phone", .string)
            .field("personal_number_sealed", .string)
            .field("title", .string)
            .field("fields", .string, .required)
            .field("custom_fields", .string, .required)
            .field("employment_status", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await IndexHelper.create("employees_number", on: "employees", columns: ["installation_id", "employee_number"], in: database)
        try await IndexHelper.create("employees_email", on: "employees", columns: ["installation_id", "email"], in: database)
        try await IndexHelper.create("employees_updated", on: "employees", columns: ["updated_at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("employees").delete()
    }
}

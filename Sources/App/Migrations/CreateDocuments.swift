import Fluent

struct CreateDocuments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("documents")
            .id()
            .field("employee_id", .uuid, .required, .references("employees", "id", onDelete: .cascade))
            .field("contract_id", .uuid, .references("employment_contracts", "id", onDelete: .setNull))
            .field("oneflow_file_id", .int64)
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int64, .required)
            .field("sha256", .string, .required)
            .field("storage_path", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await IndexHelper.create("documents_employee", on: "documents", columns: ["employee_id"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("documents").delete()
    }
}

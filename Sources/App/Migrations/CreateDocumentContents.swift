import Fluent

/// The bytes of stored documents, in the database beside their rows: every instance of a
/// scale-out deployment can serve every PDF, and a document exists exactly when its row does.
/// (Documents written by earlier versions stay under `{data.dir}/documents`.)
struct CreateDocumentContents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DocumentContent.schema)
            .id()
            .field("document_id", .uuid, .required, .references("documents", "id", onDelete: .cascade))
            .field("data", .data, .required)
            .unique(on: "document_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DocumentContent.schema).delete()
    }
}

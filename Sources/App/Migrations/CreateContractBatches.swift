import Fluent
import SQLKit

/// `contract_batches`: many contract requests asked for at once (`ContractBatch`), and on
/// `contract_requests` the batch a request is a row of, its index there, and when the batch
/// let it start (`ContractBatchJobs` releases a few rows at a time).
struct CreateContractBatches: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("contract_batches")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id"))
            .field("idempotency_key", .string)
            .field("request_hash", .string, .required)
            .field("state", .string, .required)
            .field("label", .string)
            .field("row_count", .int, .required)
            .field("refused", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "installation_id", "idempotency_key")
            .create()
        try await IndexHelper.create(
            "contract_batches_by_installation", on: "contract_batches", columns: ["installation_id", "state", "created_at"], in: database)
        // One column per ALTER: SQLite adds one at a time. No foreign key: SQLite cannot drop a
        // column that has one (`revert`); the batch and its rows go together (`InstallationErasure`).
        try await database.schema("contract_requests").field("batch_id", .uuid).update()
        try await database.schema("contract_requests").field("batch_index", .int).update()
        try await database.schema("contract_requests").field("batch_released_at", .datetime).update()
        try await IndexHelper.create(
            "contract_requests_by_batch", on: "contract_requests", columns: ["batch_id", "batch_index"], unique: true, in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "contract_requests_by_batch").run()
        for column in ["batch_released_at", "batch_index", "batch_id"] {
            try await database.schema("contract_requests").deleteField(.key(.string(column))).update()
        }
        try await database.schema("contract_batches").delete()
    }
}

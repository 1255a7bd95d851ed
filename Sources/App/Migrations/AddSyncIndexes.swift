import Fluent
import SQLKit

/// Indexes the worker's hot path needs once the tables are large (the 10,000-contract drain,
/// bench/RESULTS.md):
/// - `jobs(payload)`: a delivery's job by its payload (`{"delivery_id":"…"}`), so a worker
///   that has fetched a contract settles the contract's other queued deliveries in one
///   statement (`CoveredDeliveries`) instead of scanning every queued job;
/// - `documents(contract_id)`, unique: "does this contract have its PDF yet?", asked on every
///   signed contract, was a scan of all documents; and a contract has one signed PDF, so
///   two workers downloading it at once keep one row without a lock (`DocumentStore`).
struct AddSyncIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await IndexHelper.create("jobs_payload", on: "jobs", columns: ["payload"], in: database)
        try await IndexHelper.create("documents_contract", on: "documents", columns: ["contract_id"], unique: true, in: database)
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sql()
        try await sql.drop(index: SQLIdentifier("documents_contract")).run()
        try await sql.drop(index: SQLIdentifier("jobs_payload")).run()
    }
}

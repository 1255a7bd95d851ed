import Fluent
import SQLKit

/// A contract's deliveries still to be synced, by (installation, contract): the index behind
/// `CoveredDeliveries.pending`, which the worker asks for every contract of every batch.
///
/// Through `webhook_deliveries_callback_contract` that look read every delivery the contract
/// ever had to check its status, and a contract notified often made each of its batches
/// slower: at 1,000 notifications a second of one contract, the worker's reads took half a
/// core (bench/RESULTS.md, 2026-12-06 (morning)). Partial, so it holds only the deliveries
/// waiting for the worker and stays small; an acknowledgement adds its row to it, and the
/// worker's outcome takes it out. A query may use it only if it repeats the predicate word
/// for word (https://www.sqlite.org/partialindex.html#queries_using_partial_indexes), so both
/// take it from `predicate`.
struct AddPendingDeliveriesIndex: AsyncMigration {
    static let index = "webhook_deliveries_pending"
    /// `WebhookDelivery.Status`'s `pending` and `failed`, written out: a migration's SQL does not
    /// change with the code. A query repeats it as it is, not with bound values: SQLite cannot
    /// match bound values in an `IN` list to a partial index, nor can PostgreSQL's generic plans.
    static let predicate = "status IN ('pending', 'failed')"

    func prepare(on database: any Database) async throws {
        try await database.sql().raw(
            "CREATE INDEX \(unsafeRaw: Self.index) ON webhook_deliveries (installation_id, oneflow_contract_id) WHERE \(unsafeRaw: Self.predicate)"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: SQLIdentifier(Self.index)).run()
    }
}

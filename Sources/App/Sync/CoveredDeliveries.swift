import Fluent
import Foundation
import SQLKit

/// Other deliveries of the same contract that one fetch answers.
///
/// Oneflow notifies after a change, so a notification stored before we fetch the contract
/// announces a state the fetch sees (or a newer one). When a company signs a whole intake,
/// each contract brings two or more notifications (publish, sign, …) that the worker would
/// otherwise fetch, map and compare one by one; the drain benchmark spent half its time on
/// those repeats (bench/RESULTS.md). Order comes from the database, not from clocks: the
/// list is read before the fetch starts, so it holds only rows committed before it.
/// Two kinds are answered: deliveries whose job is still queued, and ones whose job this
/// worker claimed in the same batch (`held`; `SyncWorker` groups a batch by contract).
/// https://developer.oneflow.com/docs/webhook-and-event
struct CoveredDeliveries {
    let db: any Database
    /// The claiming worker's name (`jobs.leased_by`).
    var worker = ""
    /// Jobs this worker holds for other deliveries of the same contract.
    var held: [Job] = []
    /// At most this many are settled by one fetch; the rest run on their own.
    static let limit = 100

    private var heldDeliveries: Set<UUID> {
        Set(held.compactMap { try? DeliveryInbox.JobPayload.deliveryID(in: $0.payload) })
    }

    /// Each delivery's installation and contract, as one key.
    func contracts(of deliveries: [UUID]) async throws -> [UUID: String] {
        guard let sql = db as? any SQLDatabase, !deliveries.isEmpty else { return [:] }
        let rows = try await sql.raw("""
            SELECT id, installation_id, oneflow_contract_id FROM webhook_deliveries WHERE id IN (\(binds: deliveries))
            """).all()
        return try Dictionary(rows.map { row in
            (try row.decode(column: "id", as: UUID.self),
             "\(try row.decode(column: "installation_id", as: UUID.self))/\(try row.decode(column: "oneflow_contract_id", as: Int.self))")
        }, uniquingKeysWith: { first, _ in first })
    }

    /// Pending or retrying deliveries of the contract, other than `deliveryID`.
    func pending(contractID: Int, installationID: UUID, except deliveryID: UUID) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { return [] }
        return try await sql.raw("""
            SELECT id FROM webhook_deliveries
            WHERE installation_id = \(bind: installationID) AND oneflow_contract_id = \(bind: contractID)
              AND status IN (\(bind: WebhookDelivery.Status.pending.rawValue), \(bind: WebhookDelivery.Status.failed.rawValue))
              AND id <> \(bind: deliveryID)
            LIMIT \(bind: Self.limit)
            """).all().map { try $0.decode(column: "id", as: UUID.self) }.filter { !heldDeliveries.contains($0) }
    }

    /// Records the `held` deliveries and those of `queued` whose job is still queued as
    /// answered by `deliveryID`'s fetch, with its outcome. A job another worker has claimed
    /// meanwhile runs on its own (it only repeats the fetch; HR writes are idempotent). Jobs
    /// and deliveries change in one transaction, so the ledger never sees one without the other.
    /// - Returns: the deliveries settled.
    @discardableResult
    func settle(queued: [UUID], by deliveryID: UUID, status: WebhookDelivery.Status, reason: String, now: Date = Date()) async throws -> [UUID] {
        let queuedPayloads = try queued.map { try DeliveryInbox.JobPayload.json(for: $0) }
        let heldIDs = held.compactMap(\.id)
        guard !queuedPayloads.isEmpty || !heldIDs.isEmpty else { return [] }
        let note = String("\(reason) (answered by delivery \(deliveryID)'s fetch)".prefix(1000))
        return try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { return [] }
            func succeed(_ condition: SQLQueryString) async throws -> [UUID] {
                try await JobQueue(db: tx).succeed(where: "kind = \(bind: JobQueue.Kind.syncDelivery) AND \(condition)", now: now)
                    .map(DeliveryInbox.JobPayload.deliveryID(in:))
            }
            var settled: [UUID] = []
            if !heldIDs.isEmpty {
                settled += try await succeed("status = \(bind: Job.Status.running.rawValue) AND leased_by = \(bind: worker) AND id IN (\(binds: heldIDs))")
            }
            if !queuedPayloads.isEmpty {
                // By the payload index. Without statistics SQLite picks the status index and
                // scans every queued job (EXPLAIN QUERY PLAN); a unary `+` takes `status` out
                // of its choice
                // (https://www.sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_).
                let status = sql.dialect.name == "sqlite" ? "+status" : "status"
                settled += try await succeed("\(unsafeRaw: status) = \(bind: Job.Status.queued.rawValue) AND payload IN (\(binds: queuedPayloads))")
            }
            let unique = Array(Set(settled))  // a replayed delivery may have had two jobs
            guard !unique.isEmpty else { return [] }
            try await sql.raw("""
                UPDATE webhook_deliveries SET status = \(bind: status.rawValue), outcome_reason = \(bind: note),
                    processed_at = \(bind: now), attempts = attempts + 1
                WHERE id IN (\(binds: unique))
                """).run()
            return unique
        }
    }
}

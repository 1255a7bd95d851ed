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
/// worker claimed in the same batch (`held`; `SyncPipeline` groups a batch by contract).
/// https://developer.oneflow.com/docs/webhook-and-event
struct CoveredDeliveries {
    let db: any Database
    /// The claiming worker's name (`jobs.leased_by`).
    var worker = ""
    /// Jobs this worker holds for other deliveries of the same contract.
    var held: [Job] = []
    /// At most this many are settled by one fetch; the rest run on their own.
    static let limit = 100

    private var heldDeliveries: Set<UUID> { Set(held.compactMap(SyncWorker.deliveryID(of:))) }

    /// Pending or retrying deliveries of each of an installation's contracts, other than
    /// `except` and the held ones; at most `limit` per contract.
    func pending(contractIDs: [Int], installationID: UUID, except: Set<UUID>) async throws -> [Int: [UUID]] {
        guard !contractIDs.isEmpty else { return [:] }
        let rows = try await db.sql().raw(Self.pendingQuery(contractIDs: contractIDs, installationID: installationID, except: except)).all()
        let skip = except.union(heldDeliveries)
        var pending: [Int: [UUID]] = [:]
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            let contract = try row.decode(column: "oneflow_contract_id", as: Int.self)
            guard !skip.contains(id), pending[contract, default: []].count < Self.limit else { continue }
            pending[contract, default: []].append(id)
        }
        return pending
    }

    /// Through `webhook_deliveries_pending` (`AddPendingDeliveriesIndex`), whose predicate it
    /// repeats: it reads the few deliveries waiting, not all the contract ever had.
    static func pendingQuery(contractIDs: [Int], installationID: UUID, except: Set<UUID>) -> SQLQueryString {
        """
        SELECT id, oneflow_contract_id FROM webhook_deliveries
        WHERE installation_id = \(bind: installationID) AND oneflow_contract_id IN (\(binds: contractIDs))
          AND \(unsafeRaw: AddPendingDeliveriesIndex.predicate)
        LIMIT \(bind: limit * contractIDs.count + except.count)
        """
    }

    /// One lead delivery's outcome, for the other deliveries of its contract.
    struct Answer: Sendable {
        var lead: UUID
        /// Jobs this worker holds for other deliveries of the contract.
        var held: [Job]
        /// Deliveries of the contract whose job was queued when the lead's fetch started.
        var queued: [UUID]
        var outcome: DeliveryOutcomes.Outcome
    }

    /// Marks done the jobs of every answer's held deliveries, and of its queued deliveries
    /// whose job is still queued: two statements for any number of answers. The caller
    /// records the returned outcomes in the same transaction.
    /// - Returns: each answer's settled deliveries, and their outcomes ("answered by …").
    func settleJobs(_ answers: [Answer], now: Date) async throws -> (settled: [[UUID]], outcomes: [UUID: DeliveryOutcomes.Outcome]) {
        let sql = try db.sql()
        func succeed(_ condition: SQLQueryString) async throws -> Set<UUID> {
            Set(
                try await JobQueue(db: db).succeed(where: "kind = \(bind: JobQueue.Kind.syncDelivery) AND \(condition)", now: now)
                    .map(DeliveryJobPayload.deliveryID(in:)))
        }
        var settled: Set<UUID> = []
        let heldIDs = answers.flatMap { $0.held.compactMap(\.id) }
        if !heldIDs.isEmpty {
            settled.formUnion(
                try await succeed("status = \(bind: Job.Status.running.rawValue) AND leased_by = \(bind: worker) AND id IN (\(binds: heldIDs))"))
        }
        let queuedPayloads = answers.flatMap { $0.queued.map(DeliveryJobPayload.json(for:)) }
        if !queuedPayloads.isEmpty {
            // By the payload index, not the status index (EXPLAIN QUERY PLAN on SQLite).
            settled.formUnion(
                try await succeed("\(sql.notIndexed("status")) = \(bind: Job.Status.queued.rawValue) AND payload IN (\(binds: queuedPayloads))"))
        }
        var outcomes: [UUID: DeliveryOutcomes.Outcome] = [:]
        let perAnswer = answers.map { answer in
            // A replayed delivery may have had two jobs: a set, so it counts once.
            let mine = Set(answer.held.compactMap(SyncWorker.deliveryID(of:))).union(answer.queued).intersection(settled)
            let note = DeliveryOutcomes.Outcome(
                status: answer.outcome.status, reason: "\(answer.outcome.reason) (answered by delivery \(answer.lead)'s fetch)")
            for delivery in mine { outcomes[delivery] = note }
            return Array(mine)
        }
        return (perAnswer, outcomes)
    }
}

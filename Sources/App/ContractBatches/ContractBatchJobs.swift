import Fluent
import Foundation
import Logging
import SQLKit

/// Starts the rows of an installation's batches at its pace (`JobRunner`): one job per
/// installation with batches at work, which lets a few rows start, then plans its next run.
///
/// - Pace: `sending.batch_rows_per_minute`, per installation (every batch of it together):
///   Oneflow limits calls per token (https://developer.oneflow.com/reference/api-rate-limit),
///   and the same token reads the installation's signed contracts, so a batch must leave room.
/// - Fairness: at most `sending.batch_in_flight` rows are being created or sent at once; a
///   row's job is an ordinary contract-request job, queued when it starts, so single
///   requests and other installations' jobs are claimed between them, not after the batch.
/// - A 429 holds a row in flight until Oneflow lets it through (`ContractRequestJob`: it uses
///   no attempt), so the batch slows down instead of failing rows.
/// - Cancelling: the driver deletes the batch's drafts in Oneflow, a few per run, then marks it
///   `cancelled`.
struct ContractBatchJobs: JobRunner {
    static let kind = "contract-batch"
    /// Runs fail only on a database error: tried again with backoff for a long while.
    static let attempts = 1000

    let services: AppServices
    let catalogs: SendingCatalogs

    var kinds: Set<String> { [Self.kind] }

    struct Payload: Codable, Equatable { var installation_id: UUID }

    func prepare(on worker: WorkerContext) async throws {}

    func run(_ jobs: [Job], on worker: WorkerContext) async -> [Job] {
        for job in jobs { await run(job, on: worker) }
        return []
    }

    /// Queues the installation's driver unless one is queued or running. In the caller's
    /// transaction, under the installation's lock, as the driver's own decision is: one that
    /// is ending either sees the caller's rows or has already ended when this looks.
    static func ensureRunning(_ installationID: UUID, now: Date, on tx: any Database) async throws {
        let active = try await Job.query(on: tx).filter(\.$kind == kind).filter(\.$status ~~ [.queued, .running]).all()
        let payload = Payload(installation_id: installationID)
        guard !active.contains(where: { (try? JSONDecoder().decode(Payload.self, from: Data($0.payload.utf8))) == payload }) else { return }
        try await JobQueue(db: tx).enqueue(kind: kind, payload: payload, maxAttempts: attempts, runAt: now, on: tx)
    }

    private func run(_ job: Job, on worker: WorkerContext) async {
        do {
            let payload = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
            let drafts = try await step(job, installationID: payload.installation_id, on: worker)
            await delete(drafts, on: worker)
        } catch {
            worker.logger.warning("contract batches: run failed", metadata: ["error": "\(ErrorText.log(error))"])
            let (now, sync) = (services.clock.now, services.config.sync)
            _ = try? await worker.writer.write(.background) { db in
                try await JobQueue(db: db, sync: sync).fail(job, error: ErrorText.log(error), retryable: true, now: now)
            }
        }
    }

    /// One run's decision, in one transaction under the installation's lock: rows started,
    /// cancelled batches with nothing left marked so, the next run planned (or none, when no
    /// batch of the installation has work left) and this one done. - Returns: drafts of
    /// cancelled batches to delete in Oneflow.
    private func step(_ job: Job, installationID: UUID, on worker: WorkerContext) async throws -> [ContractRequest] {
        let (settings, maxAttempts, now) = (services.config.sending, services.config.sync.maxAttempts, services.clock.now)
        return try await worker.writer.transaction(.background) { tx in
            try await InstallationLock.acquire(installationID, on: tx)
            let batches = try await ContractBatch.query(on: tx).filter(\.$installation.$id == installationID)
                .filter(\.$state ~~ [.running, .paused, .cancelling]).sort(\.$createdAt).sort(\.$id).all()
            let rows = BatchRows(sql: try tx.sql())
            var free = settings.batchInFlight - (try await rows.inFlight(batches: try batches.map { try $0.requireID() }))
            var started: [UUID] = []
            for batch in batches where batch.state == .running && free > 0 {
                let next = try await rows.waiting(batch: try batch.requireID(), limit: free)
                started += next
                free -= next.count
            }
            try await rows.start(started, now: now)
            for id in started {
                try await ContractRequests.enqueueJob(for: id, maxAttempts: maxAttempts, now: now, on: tx)
            }
            var drafts: [ContractRequest] = []
            var moreToDo = false
            for batch in batches where batch.state == .cancelling {
                let id = try batch.requireID()
                let left = try await ContractRequest.query(on: tx).filter(\.$batchID == id).filter(\.$state ~~ [.queued, .draft])
                    .sort(\.$batchIndex).limit(settings.batchInFlight + 1).all()
                if left.isEmpty {
                    batch.state = .cancelled
                    try await batch.save(on: tx)
                } else {
                    moreToDo = true
                    drafts += left.filter { $0.state == .draft }.prefix(settings.batchInFlight)
                }
            }
            for batch in batches where batch.state == .running {
                if try await rows.anyWaiting(batch: try batch.requireID()) { moreToDo = true }
            }
            if moreToDo {
                // Each row started costs its share of the minute; a full window looks again soon.
                let spacing = 60 / Double(settings.batchRowsPerMinute)
                let wait = max(spacing * Double(max(started.count, 1)), 0.05)
                try await JobQueue(db: tx).enqueue(
                    kind: Self.kind, payload: Payload(installation_id: installationID), maxAttempts: Self.attempts,
                    runAt: now.addingTimeInterval(wait), on: tx)
            }
            try await JobQueue(db: tx).succeed(job, now: now)
            return drafts
        }
    }

    /// Deletes cancelled batches' drafts in Oneflow, then here; one that fails (a 429, an
    /// outage) is left for the next run.
    private func delete(_ drafts: [ContractRequest], on worker: WorkerContext) async {
        let requests = ContractRequests(services: services, db: worker.db, catalogs: catalogs, logger: worker.logger)
        for draft in drafts {
            do {
                _ = try await requests.delete(draft)
            } catch {
                worker.logger.warning(
                    "contract batches: a cancelled batch's draft was not deleted yet",
                    metadata: ["request": "\(draft.id?.uuidString ?? "")", "error": "\(ErrorText.log(error))"])
            }
        }
    }
}

/// The SQL for a batch's rows, by `contract_requests (batch_id, batch_index)`.
struct BatchRows {
    let sql: any SQLDatabase

    /// Rows of `batches` started and not settled: being created, or a draft being sent.
    func inFlight(batches: [UUID]) async throws -> Int {
        guard !batches.isEmpty else { return 0 }
        let row = try await sql.raw(
            """
            SELECT COUNT(*) AS n FROM contract_requests WHERE batch_id IN (\(binds: batches)) AND batch_released_at IS NOT NULL
            AND (state = \(bind: ContractRequest.State.queued.rawValue)
                 OR (state = \(bind: ContractRequest.State.draft.rawValue) AND send = \(bind: true) AND failure IS NULL))
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The next rows waiting for their turn, in the batch's order.
    func waiting(batch: UUID, limit: Int) async throws -> [UUID] {
        guard limit > 0 else { return [] }
        return try await sql.raw(
            """
            SELECT id FROM contract_requests WHERE batch_id = \(bind: batch) AND batch_released_at IS NULL
            AND state = \(bind: ContractRequest.State.queued.rawValue) ORDER BY batch_index LIMIT \(literal: limit)
            """
        ).all().map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// Rows by their request's state, and how many drafts are still being sent (not settled).
    func counts(batch: UUID) async throws -> (byState: [ContractRequest.State: Int], sending: Int) {
        var byState: [ContractRequest.State: Int] = [:]
        var sending = 0
        for row in try await sql.raw(
            """
            SELECT state, send, failure IS NULL AS clean, COUNT(*) AS n FROM contract_requests WHERE batch_id = \(bind: batch)
            GROUP BY state, send, failure IS NULL
            """
        ).all() {
            let (text, n) = (try row.decode(column: "state", as: String.self), try row.decode(column: "n", as: Int.self))
            guard let state = ContractRequest.State(rawValue: text) else { continue }
            byState[state, default: 0] += n
            if state == .draft, try row.decode(column: "send", as: Bool.self), try row.decode(column: "clean", as: Bool.self) { sending += n }
        }
        return (byState, sending)
    }

    func anyWaiting(batch: UUID) async throws -> Bool {
        try await !waiting(batch: batch, limit: 1).isEmpty
    }

    func start(_ ids: [UUID], now: Date) async throws {
        guard !ids.isEmpty else { return }
        try await sql.raw("UPDATE contract_requests SET batch_released_at = \(bind: now), updated_at = \(bind: now) WHERE id IN (\(binds: ids))")
            .run()
    }
}

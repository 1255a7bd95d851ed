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
        let payload = Payload(installation_id: installationID)
        // The payload as `JobQueue.enqueue` writes it (one key: always the same text), so the
        // look is one indexed count, not every installation's driver decoded.
        let text = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        let active = try await JobQueue.planned(kind, [.queued, .running], on: tx).filter(\.$payload == text).count()
        guard active == 0 else { return }
        try await JobQueue(db: tx).enqueue(kind: kind, payload: payload, maxAttempts: attempts, runAt: now, on: tx)
    }

    private func run(_ job: Job, on worker: WorkerContext) async {
        do {
            let payload = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
            let plan = try await step(job, installationID: payload.installation_id, on: worker)
            guard !plan.drafts.isEmpty else { return }
            let failed = await delete(plan.drafts, on: worker)
            // The next run was planned after the deletes' longest time (a crash meanwhile loses no
            // run); they are done: at the pace, or in a minute when Oneflow did not take one (an
            // outage, a 429).
            if let next = plan.next {
                let pace = 60 / Double(services.config.sending.batchRowsPerMinute) * Double(plan.drafts.count)
                let at = services.clock.now.addingTimeInterval(failed ? Self.retryDeletesAfter : pace)
                try await worker.writer.write(.background) { db in
                    try await Job.query(on: db).filter(\.$id == next).filter(\.$status == .queued).set(\.$runAt, to: at).update()
                }
            }
        } catch {
            worker.logger.warning("contract batches: run failed", metadata: ["error": "\(ErrorText.log(error))"])
            let (now, sync) = (services.clock.now, services.config.sync)
            _ = try? await worker.writer.write(.background) { db in
                try await JobQueue(db: db, sync: sync).fail(job, error: ErrorText.log(error), retryable: true, now: now)
            }
        }
    }

    /// How long a run waits after a cancelled batch's draft could not be deleted.
    static let retryDeletesAfter: TimeInterval = 60

    /// What a run decided: drafts of cancelled batches to delete in Oneflow, and the next run
    /// it planned (nil: none).
    struct Plan {
        var drafts: [ContractRequest] = []
        var next: UUID?
    }

    /// One run's decision, in one transaction under the installation's lock: rows started;
    /// batches with nothing left marked `done` or `cancelled`; the next run planned (none when
    /// no batch of the installation has work left) and this one done. The next run comes after
    /// this one's Oneflow calls at the pace (each started row and each draft to delete is one
    /// of `sending.batch_rows_per_minute`); with drafts to delete, no sooner than the deletes
    /// can take (`run` moves it up once they are done), so two runs never delete the same drafts.
    private func step(_ job: Job, installationID: UUID, on worker: WorkerContext) async throws -> Plan {
        let (settings, maxAttempts, now) = (services.config.sending, services.config.sync.maxAttempts, services.clock.now)
        let callDeadline = TimeInterval(services.config.oneflow.timeoutSeconds + 1)
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
            var plan = Plan()
            var moreToDo = false
            for batch in batches where batch.state != .paused {
                let id = try batch.requireID()
                let (waiting, inFlight) = (try await rows.anyWaiting(batch: id), try await rows.inFlight(batches: [id]))
                switch batch.state {
                case .running where !waiting && inFlight == 0:
                    batch.state = .done
                    try await batch.save(on: tx)
                case .cancelling:
                    // Drafts being sent are left to their job: once it ends they are sent (and stay) or drafts again.
                    let drafts = try await ContractRequest.query(on: tx).filter(\.$batchID == id).filter(\.$state == .draft)
                        .group(.or) { $0.filter(\.$send == false).filter(\.$failure != nil) }
                        .sort(\.$batchIndex).limit(max(0, settings.batchInFlight - plan.drafts.count)).all()
                    plan.drafts += drafts
                    if drafts.isEmpty, inFlight == 0, try await !rows.anyUnsettled(batch: id) {
                        batch.state = .cancelled
                        try await batch.save(on: tx)
                    } else {
                        moreToDo = true
                    }
                default:
                    moreToDo = true
                }
            }
            if moreToDo {
                let spacing = 60 / Double(settings.batchRowsPerMinute)
                let calls = started.count + plan.drafts.count
                // Nothing started (a full window, rows still in flight): look again in a few seconds.
                let wait = calls > 0 ? max(spacing * Double(calls), callDeadline * Double(plan.drafts.count)) : max(spacing, 5)
                plan.next = try await JobQueue(db: tx).enqueue(
                    kind: Self.kind, payload: Payload(installation_id: installationID), maxAttempts: Self.attempts,
                    runAt: now.addingTimeInterval(wait), on: tx
                ).id
            }
            try await JobQueue(db: tx).succeed(job, now: now)
            return plan
        }
    }

    /// Deletes cancelled batches' drafts in Oneflow, then here, each read again first (its
    /// publish may have ended meanwhile). - Returns: whether one could not be deleted (an
    /// outage, a 429), to be tried again later.
    private func delete(_ drafts: [ContractRequest], on worker: WorkerContext) async -> Bool {
        let requests = ContractRequests(services: services, db: worker.db, catalogs: catalogs, logger: worker.logger, writer: worker.writer)
        var failed = false
        for draft in drafts {
            do {
                guard let fresh = try await ContractRequest.find(draft.id, on: worker.db), fresh.state == .draft,
                    !(fresh.send && fresh.failure == nil)
                else { continue }
                _ = try await requests.delete(fresh)
            } catch ContractRequestError.notConnected {
                // Disconnected: no draft of it can be deleted from here (`abandon`).
                try? await abandon(draft, on: worker)
            } catch {
                failed = true
                worker.logger.warning(
                    "contract batches: a cancelled batch's draft was not deleted yet",
                    metadata: ["request": "\(draft.id?.uuidString ?? "")", "error": "\(ErrorText.log(error))"])
            }
        }
        return failed
    }

    /// A cancelling batch of a disconnected installation: its drafts cannot be deleted from
    /// here, so it is `cancelled` with them left as drafts (listed on its page), not retried
    /// until the installation's data is erased.
    private func abandon(_ draft: ContractRequest, on worker: WorkerContext) async throws {
        guard let batchID = draft.batchID else { return }
        let now = services.clock.now
        try await worker.writer.write(.background) { db in
            try await db.sql().raw(
                """
                UPDATE contract_batches SET state = \(bind: ContractBatch.State.cancelled.rawValue), updated_at = \(bind: now)
                WHERE id = \(bind: batchID) AND state = \(bind: ContractBatch.State.cancelling.rawValue)
                """
            ).run()
        }
        worker.logger.warning("contract batches: cancelled with drafts left in Oneflow (disconnected)", metadata: ["batch": "\(batchID)"])
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

    /// Whether any row of the batch is still queued or a draft.
    func anyUnsettled(batch: UUID) async throws -> Bool {
        try await sql.raw(
            """
            SELECT id FROM contract_requests WHERE batch_id = \(bind: batch)
            AND state IN (\(bind: ContractRequest.State.queued.rawValue), \(bind: ContractRequest.State.draft.rawValue)) LIMIT 1
            """
        ).first() != nil
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

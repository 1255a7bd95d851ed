import Fluent
import FluentSQL
import Foundation
import SQLKit

/// The durable job table's operations. A job is claimed atomically with a lease; a worker
/// that dies leaves an expired lease, and the job is claimed again. Failures back off
/// exponentially with jitter until `maxAttempts`, then the job is dead (and replayable).
struct JobQueue: Sendable {
    let db: any Database
    /// How long a claimed job is ours before another worker may take it.
    var lease: TimeInterval = 60
    /// The first retry's delay (`sync.retry_base_seconds`); it doubles per attempt.
    var retryBase: TimeInterval = 2

    /// The queue with the configured lease and first retry delay (`sync.*`).
    init(db: any Database, sync: AppConfig.Sync) {
        self.init(db: db, lease: TimeInterval(sync.leaseSeconds), retryBase: sync.retryBaseSeconds)
    }

    init(db: any Database, lease: TimeInterval = 60, retryBase: TimeInterval = 2) {
        self.db = db
        self.lease = lease
        self.retryBase = retryBase
    }

    enum Kind {
        static let syncDelivery = "sync-delivery"
        static let reconcile = "reconcile"
    }

    @discardableResult
    func enqueue(kind: String, payload: some Encodable, maxAttempts: Int, runAt: Date, on database: (any Database)? = nil) async throws
        -> Job
    {
        let job = Job(kind: kind, payload: String(decoding: try JSONEncoder().encode(payload), as: UTF8.self), maxAttempts: maxAttempts, runAt: runAt)
        try await job.create(on: database ?? db)
        return job
    }

    /// Takes the next due job — queued and due, or running with an expired lease — in one
    /// statement, so two workers never get the same one.
    func claim(worker: String, now: Date) async throws -> Job? {
        try await claim(worker: worker, limit: 1, now: now).first
    }

    /// Takes up to `limit` due jobs in one statement (a worker that claims several pays for
    /// one write instead of several): running ones whose lease expired first (their worker
    /// died), then queued ones, oldest first. PostgreSQL skips rows another transaction holds
    /// (`FOR UPDATE SKIP LOCKED`); SQLite runs one writer at a time. The jobs come back from
    /// `RETURNING *`, so no second read is needed.
    ///
    /// Two index range scans, each stopping after `limit` rows: one `WHERE (queued AND due)
    /// OR (lease expired) ORDER BY run_at` made SQLite collect and sort every due job on
    /// every claim, which slowed a 20,000-job backlog to half speed (bench/RESULTS.md).
    func claim(worker: String, limit: Int, now: Date) async throws -> [Job] {
        let sql = try db.sql()
        let lock = sql.skippingLockedRows
        // The statuses and the limit are literals, not bound: SQLite plans `status = ? ORDER BY`
        // and `LIMIT ?` with the values bound to them, so every new binding expired the
        // prepared statement, and each claim parsed and planned this one again while holding
        // the write lock (`sqlite3_stmt_status` REPREPARE; bench/RESULTS.md). Both are ours.
        let count = max(1, limit)
        let rows = try await sql.raw(
            """
            UPDATE jobs SET status = \(bind: Job.Status.running.rawValue), attempts = attempts + 1,
                lease_expires_at = \(bind: now.addingTimeInterval(lease)), leased_by = \(bind: worker), updated_at = \(bind: now)
            WHERE id IN (
                SELECT id FROM (
                    SELECT id FROM (
                        SELECT id FROM jobs WHERE status = \(literal: Job.Status.running.rawValue) AND lease_expires_at < \(bind: now)
                        ORDER BY lease_expires_at LIMIT \(literal: count) \(lock)
                    ) AS expired
                    UNION ALL
                    SELECT id FROM (
                        SELECT id FROM jobs WHERE status = \(literal: Job.Status.queued.rawValue) AND run_at <= \(bind: now)
                        ORDER BY run_at LIMIT \(literal: count) \(lock)
                    ) AS due
                ) AS claimable LIMIT \(literal: count)
            )
            RETURNING *
            """
        ).all()
        return try rows.map(Job.decode).sorted { $0.runAt < $1.runAt }
    }

    /// Records a job as done. One SQL statement rather than a model save: it runs once per
    /// job, and Fluent's save reflects over the model's fields every time (bench/RESULTS.md).
    func succeed(_ job: Job, now: Date) async throws {
        job.status = .succeeded
        job.finishedAt = now
        job.leaseExpiresAt = nil
        job.lastError = nil
        job.updatedAt = now
        try await succeed(where: "id = \(bind: try job.requireID())", now: now)
    }

    /// Records as done every job `condition` selects, in one statement.
    /// - Returns: their payloads.
    @discardableResult
    func succeed(where condition: SQLQueryString, now: Date) async throws -> [String] {
        return try await db.sql().raw(
            """
            UPDATE jobs SET status = \(bind: Job.Status.succeeded.rawValue), finished_at = \(bind: now), lease_expires_at = NULL,
                last_error = NULL, updated_at = \(bind: now)
            WHERE \(condition)
            RETURNING payload
            """
        ).all().map { try $0.decode(column: "payload", as: String.self) }
    }

    /// Schedules another attempt, or marks the job dead when it has had all of them.
    /// - Parameters:
    ///   - notBefore: a minimum wait (Oneflow's 429: the per-token window is 5 minutes).
    ///   - countsAttempt: false for Oneflow's 429: the attempt made no progress and was not the
    ///     job's fault, so it is handed back (as `release` does) and tried after `notBefore`, however
    ///     often — a batch that meets the rate limit slows down, and no row of it fails for it.
    /// - Returns: whether the job is now dead.
    @discardableResult
    func fail(_ job: Job, error: String, retryable: Bool, notBefore: TimeInterval = 0, countsAttempt: Bool = true, now: Date) async throws -> Bool {
        job.lastError = String(error.prefix(2000))
        job.leaseExpiresAt = nil
        if retryable, !countsAttempt {
            job.status = .queued
            job.attempts = max(0, job.attempts - 1)
            // Spread: the jobs that met the same window do not all come back in the same instant.
            job.runAt = now.addingTimeInterval(notBefore * Double.random(in: 1...1.25))
        } else if !retryable || job.attempts >= job.maxAttempts {
            job.status = .dead
            job.finishedAt = now
        } else {
            job.status = .queued
            job.runAt = now.addingTimeInterval(max(notBefore, Self.backoff(attempt: job.attempts, base: retryBase)))
        }
        try await job.save(on: db)
        return job.status == .dead
    }

    /// base × 2^(attempt−1) (capped at an hour), ±25% jitter so retries of a burst spread out.
    static func backoff(attempt: Int, base: TimeInterval = 2) -> TimeInterval {
        let delay = min(base * pow(2, Double(max(attempt, 1) - 1)), 3600)
        return delay * Double.random(in: 0.75...1.25)
    }

    /// Hands this worker's running jobs back to the queue (a graceful stop): due at once, and
    /// the interrupted attempt does not count against the limit.
    @discardableResult
    func release(worker: String, now: Date) async throws -> Int {
        let rows = try await db.sql().raw(
            """
            UPDATE jobs SET status = \(bind: Job.Status.queued.rawValue), attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                lease_expires_at = NULL, leased_by = NULL, run_at = \(bind: now), updated_at = \(bind: now)
            WHERE status = \(bind: Job.Status.running.rawValue) AND leased_by = \(bind: worker)
            RETURNING id
            """
        ).all()
        return rows.count
    }

    /// Runs a job again from the start, whatever its state.
    func replay(_ job: Job, now: Date) async throws {
        job.status = .queued
        job.attempts = 0
        job.runAt = now
        job.leaseExpiresAt = nil
        job.finishedAt = nil
        try await job.save(on: db)
    }

    /// Queued or running jobs, and the age of the oldest due one (for `/metrics` and the
    /// dashboard). Both read only the (status, run_at) index, so the plan cannot turn on the
    /// table's statistics: after `ANALYZE` on a year's database (a million succeeded jobs,
    /// "status" all but one value), `COUNT(id) … status IN (…)` read the whole table, ~100 ms
    /// at every scrape (`earliest` says the same of the oldest).
    func depth(now: Date) async throws -> (count: Int, oldest: TimeInterval?) {
        let sql = try db.sql()
        let statuses = [Job.Status.queued, .running].map(\.rawValue)
        let count =
            try await sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE status IN (\(binds: statuses))").first()?.decode(column: "n", as: Int.self) ?? 0
        let oldest = try await sql.earliest("run_at", in: Job.schema, statuses: statuses)
        return (count, oldest.map { max(0, now.timeIntervalSince($0)) })
    }
}

import Fluent
import Foundation

/// The periodic retention job (`JobRunner`): purges old rows (`RetentionPurge`) and erases the
/// records of customers disconnected long enough (`InstallationErasure`), refreshes SQLite's
/// planner statistics when the worker starts and then hourly (`PlannerStatistics`), then plans the next
/// run: in `retention.interval_seconds`, or in a second while a run left rows behind. One job
/// at a time in the queue, so several processes on one PostgreSQL do not purge twice.
struct RetentionJobs: JobRunner {
    static let kind = "retention"

    let services: AppServices
    /// The application's reading connections, each through the write gate: told to reload the
    /// planner statistics after they change (`PlannerStatistics`).
    var readers: [any DatabaseWriter] = []
    /// A failed run is tried again with backoff for a long while: the next run is planned only by a success.
    static let attempts = 1000

    var kinds: Set<String> { [Self.kind] }

    /// At start-up a run is due at once: `retention.*` may have changed with the restart.
    func prepare(on worker: WorkerContext) async throws {
        await refreshStatistics(on: worker)
        let now = services.clock.now
        try await worker.writer.transaction(.background) { tx in
            try await JobQueue.planned(Self.kind, [.queued], on: tx).set(\.$runAt, to: now)
                .update()
            try await Self.scheduleNext(after: 0, on: tx, now: now)
        }
    }

    func run(_ jobs: [Job], on worker: WorkerContext) async -> [Job] {
        for job in jobs { await run(job, on: worker) }
        return []
    }

    private func run(_ job: Job, on worker: WorkerContext) async {
        let settings = services.config.retention
        do {
            var purge = RetentionPurge(writer: worker.writer, db: worker.db, settings: settings, metrics: services.metrics)
            purge.longestRun = .seconds(max(1, services.config.sync.leaseSeconds / 2))
            let report = try await purge.run(now: services.clock.now)
            let erased = try await InstallationErasure(services: services, db: worker.db, writer: worker.writer, logger: worker.logger).eraseDue(
                now: services.clock.now)
            let purged = report.purged.values.reduce(0, +)
            if purged > 0 || erased > 0 {
                worker.logger.info(
                    "retention: purged old rows",
                    metadata: [
                        "rows": "\(purged)", "installations_erased": "\(erased)",
                        "by_kind":
                            "\(report.purged.filter { $0.value > 0 }.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ","))",
                    ])
            }
            // Purges change tables' sizes the most: the planner's statistics follow, hourly.
            await refreshStatistics(on: worker)
            let now = services.clock.now
            try await worker.writer.transaction(.background) { tx in
                try await Self.scheduleNext(after: report.more ? 1 : settings.intervalSeconds, on: tx, now: now)
                try await JobQueue(db: tx).succeed(job, now: now)
            }
        } catch {
            worker.logger.warning("retention: run failed", metadata: ["error": "\(ErrorText.log(error))"])
            let now = services.clock.now
            _ = try? await worker.writer.write(.background) { db in
                try await JobQueue(db: db, sync: services.config.sync).fail(job, error: ErrorText.log(error), retryable: true, now: now)
            }
        }
    }

    private func refreshStatistics(on worker: WorkerContext) async {
        await services.storage.statistics.refreshIfDue(with: worker.writer, readers: readers, now: services.clock.now, logger: worker.logger)
    }

    /// Plans a run `seconds` from now unless one is queued. Two processes doing so at once may
    /// plan two runs; both purge, and the queue keeps planning (a running one is no plan:
    /// counting it, two runs ending together each left the next to the other).
    static func scheduleNext(after seconds: Int, on db: any Database, now: Date) async throws {
        let planned = try await JobQueue.planned(kind, [.queued], on: db).count()
        guard planned == 0 else { return }
        try await JobQueue(db: db).enqueue(
            kind: kind, payload: [String: String](), maxAttempts: Self.attempts, runAt: now.addingTimeInterval(TimeInterval(seconds)))
    }
}

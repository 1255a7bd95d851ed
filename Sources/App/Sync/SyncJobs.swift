import Fluent
import Foundation

/// The sync jobs the worker runs (`JobRunner`): webhook deliveries through the pipeline,
/// together, and the periodic reconciliation.
struct SyncJobs: JobRunner {
    let services: AppServices

    var kinds: Set<String> { [JobQueue.Kind.syncDelivery, JobQueue.Kind.reconcile] }

    func run(_ jobs: [Job], on worker: WorkerContext) async -> [Job] {
        let pipeline = pipeline(for: worker)
        let again = await pipeline.run(jobs.filter { $0.kind == JobQueue.Kind.syncDelivery })
        for job in jobs where job.kind == JobQueue.Kind.reconcile {
            await reconcile(job, pipeline, worker)
        }
        return again
    }

    /// Plans the periodic reconciliation unless one is planned (`sync.reconcile_interval_seconds`).
    func prepare(on worker: WorkerContext) async throws {
        let (interval, now) = (services.config.sync.reconcileIntervalSeconds, services.clock.now)
        try await worker.writer.transaction(.background) { tx in
            let planned = try await JobQueue.planned(JobQueue.Kind.reconcile, [.queued, .running], on: tx).count()
            if planned == 0 { try await Reconciler.scheduleNext(on: tx, interval: interval, now: now) }
        }
    }

    func pipeline(for worker: WorkerContext) -> SyncPipeline {
        SyncPipeline(
            db: worker.db, writer: worker.writer, services: services, logger: worker.logger, worker: worker.name,
            contractsPerTransaction: worker.contractsPerTransaction)
    }

    /// Every active installation's recently changed contracts, then the next run planned.
    private func reconcile(_ job: Job, _ pipeline: SyncPipeline, _ worker: WorkerContext) async {
        do {
            try await Reconciler(db: worker.db, services: services, logger: worker.logger, writer: worker.writer).runAll(now: services.clock.now)
            let (interval, now) = (services.config.sync.reconcileIntervalSeconds, services.clock.now)
            try await worker.writer.transaction(.background) { tx in
                try await Reconciler.scheduleNext(on: tx, interval: interval, now: now)
                try await pipeline.queue(tx).succeed(job, now: now)
            }
        } catch {
            await pipeline.fail(job, SyncFailure(error))
        }
    }
}

import Fluent
import Vapor

/// `hrbridge replay <delivery-id>`: processes a webhook delivery again (after a fix, or to
/// check that nothing changes: a replay of an applied delivery makes no second HR change).
struct ReplayCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "delivery", help: "Webhook delivery id (UUID)")
        var delivery: String
        init() {}
    }

    var help: String { "Queues one webhook delivery to be processed again" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let id = UUID(uuidString: signature.delivery), let delivery = try await WebhookDelivery.find(id, on: app.db) else {
            throw Abort(.notFound, reason: "No webhook delivery \(signature.delivery)")
        }
        try await DeliveryReplay(db: app.db, maxAttempts: app.services.config.sync.maxAttempts).replay(delivery, at: app.services.clock.now)
        context.console.print("Queued delivery \(id) (contract \(delivery.oneflowContractID)) for processing.")
    }
}

/// Puts a delivery back in the queue with a fresh job.
struct DeliveryReplay {
    let db: any Database
    let maxAttempts: Int

    func replay(_ delivery: WebhookDelivery, at now: Date) async throws {
        try await db.transaction { tx in
            delivery.status = .pending
            delivery.outcomeReason = "replay requested"
            try await delivery.save(on: tx)
            try await JobQueue(db: tx).enqueue(
                kind: JobQueue.Kind.syncDelivery, payload: DeliveryJobPayload(delivery_id: try delivery.requireID()),
                maxAttempts: maxAttempts, runAt: now)
        }
    }
}

/// `hrbridge reconcile`: re-reads recently changed contracts of every active installation now.
struct ReconcileCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }

    var help: String { "Re-reads the contracts changed since the last run, for every active installation" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let report = try await Reconciler(db: app.db, services: app.services, logger: app.logger).runAll(now: app.services.clock.now)
        context.console.print(
            "Reconciled \(report.installations) installation(s): \(report.contracts) contract(s) read, \(report.applied) changed HR records.")
    }
}

/// Runs the worker with the application (inside `serve` unless `--no-worker`; `hrbridge worker`):
/// one `SyncWorker` per event loop, `concurrency` shared among them, so the work uses every
/// core (see `EventLoopTaskExecutor`). Only the first sends notifications (one sender keeps
/// them in order per employee).
struct SyncWorkerLifecycle: LifecycleHandler {
    let workers: [SyncWorker]
    /// The workers' writes on a SQLite file (`SQLiteFileWriter`), let go of after they stop.
    var writeConnection: WorkerSQLiteConnection? = nil
    /// The workers' own threads inside `serve` (`BackgroundThreads`), stopped last.
    var threads: BackgroundThreads? = nil
    let concurrency: Int
    let reconcileInterval: Int
    let shutdownGrace: Duration
    let pollInterval: Duration
    let sender: NotificationSender?

    func didBootAsync(_ application: Application) async throws {
        let planned = try await Job.query(on: application.db).filter(\.$kind == JobQueue.Kind.reconcile).filter(\.$status ~~ [.queued, .running])
            .count()
        if planned == 0 {
            let now = application.services.clock.now
            try await application.services.storage.writer(on: application.db).write(.background) { db in
                try await Reconciler.scheduleNext(on: db, interval: reconcileInterval, now: now)
            }
        }
        for (index, worker) in workers.enumerated() {
            let share = concurrency / workers.count + (index < concurrency % workers.count ? 1 : 0)
            worker.start(concurrency: share, sender: index == 0 ? sender : nil, pollInterval: pollInterval)
        }
    }

    func shutdownAsync(_ application: Application) async {
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.stop(grace: shutdownGrace) } }
        }
        await sender?.shutdown()
        await writeConnection?.shutdown()
        await threads?.shutdown()
    }
}

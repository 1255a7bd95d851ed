import Vapor

/// Runs the worker with the application (inside `serve` unless `--no-worker`; `hrbridge worker`):
/// one `SyncWorker` per event loop, `concurrency` shared among them, so the work uses every
/// core (see `EventLoopTaskExecutor`). Only the first sends notifications (one sender keeps
/// them in order per employee).
struct SyncWorkerLifecycle: LifecycleHandler {
    let workers: [SyncWorker]
    /// The workers' writes on a SQLite file (`SQLiteFileWriter`), let go of after they stop.
    var writeConnection: SQLiteFileConnection? = nil
    /// The workers' own threads inside `serve` (`BackgroundThreads`), stopped last.
    var threads: BackgroundThreads? = nil
    let concurrency: Int
    let shutdownGrace: Duration
    let pollInterval: Duration
    /// The notification sender, when `notify.endpoint` is set.
    let sender: (any BackgroundLoop)?

    func didBootAsync(_ application: Application) async throws {
        if let first = workers.first {
            for runner in first.runners { try await runner.prepare(on: first.context) }
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

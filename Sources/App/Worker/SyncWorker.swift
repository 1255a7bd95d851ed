import Fluent
import Foundation
import Logging
import SQLiteStorage
import Synchronization

/// Runs durable jobs: claims a batch with a lease, hands each kind to its runner (`JobRunner`),
/// and on a graceful stop hands back what it still holds. Runners record the outcomes:
/// transient failures retry with backoff, permanent ones go dead at once. Runs inside `serve`
/// by default.
final class SyncWorker: Sendable {
    let db: any Database
    let services: AppServices
    let logger: Logger
    let name: String
    private let loop = Mutex<Task<Void, Never>?>(nil)
    /// Set by `stop`: loops finish the job in hand and claim no more.
    private let stopping = Atomic<Bool>(false)

    /// Where the worker's loops run (`nil`: wherever Swift concurrency puts them).
    let executor: EventLoopTaskExecutor?

    /// Contracts per write transaction (`WorkerContext.contractsPerTransaction`).
    let contractsPerTransaction: Int?

    /// Where claims and the runners' writes run (default: the application's writer on `db`).
    let writer: any DatabaseWriter

    /// What each job kind means.
    let runners: [any JobRunner]

    init(
        db: any Database, services: AppServices, logger: Logger, runners: [any JobRunner], executor: EventLoopTaskExecutor? = nil,
        contractsPerTransaction: Int? = nil, writer: (any DatabaseWriter)? = nil
    ) {
        self.db = db
        self.runners = runners
        self.writer = writer ?? services.storage.writer(on: db)
        self.contractsPerTransaction = contractsPerTransaction
        self.executor = executor
        self.services = services
        self.logger = logger
        self.name = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// What its runners see of it.
    var context: WorkerContext {
        WorkerContext(name: name, db: db, writer: writer, logger: logger, contractsPerTransaction: contractsPerTransaction)
    }

    /// The job table, with the configured lease and first retry delay.
    func queue(_ db: any Database) -> JobQueue {
        JobQueue(db: db, sync: services.config.sync)
    }

    /// Claims up to `sync.batch_size` due jobs and runs them. Returns false when none was due.
    /// Notifications of one contract (publish, sign, …) arrive together, so a batch often
    /// holds several of them and one fetch answers them all (`CoveredDeliveries`).
    @discardableResult
    func runOnce(now: Date) async -> Bool {
        let jobs: [Job]
        do {
            let limit = services.config.sync.batchSize
            jobs = try await writer.write(.background) { [self] db in try await queue(db).claim(worker: name, limit: limit, now: now) }
        } catch {
            logger.error("worker: cannot claim jobs", metadata: ["error": "\(ErrorText.log(error))"])
            return false
        }
        guard !jobs.isEmpty else { return false }
        await run(batch: jobs)
        return true
    }

    /// Runs jobs until none is due (tests, `hrbridge reconcile`).
    func drain(limit: Int = 10_000) async -> Int {
        var count = 0
        while count < limit, await runOnce(now: services.clock.now) { count += 1 }
        return count
    }

    func start(concurrency: Int, sender: (any BackgroundLoop)? = nil, pollInterval: Duration = .milliseconds(200)) {
        loop.withLock { task in
            guard task == nil else { return }
            stopping.store(false, ordering: .relaxed)
            task = Task(executorPreference: executor) { [self] in
                await withTaskGroup(of: Void.self) { group in
                    if let sender {
                        // One sender: notifications go out in order per employee.
                        group.addTask {
                            while !Task.isCancelled, !self.isStopping {
                                let sent = (try? await sender.runOnce(now: self.services.clock.now)) ?? false
                                if !sent { try? await Task.sleep(for: pollInterval) }
                            }
                        }
                    }
                    for _ in 0..<concurrency {
                        group.addTask {
                            while !Task.isCancelled, !self.isStopping {
                                if await !self.runOnce(now: self.services.clock.now) { try? await Task.sleep(for: Self.jittered(pollInterval)) }
                            }
                        }
                    }
                }
            }
        }
        logger.info("worker started", metadata: ["worker": "\(name)", "concurrency": "\(concurrency)"])
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// An idle loop's wait, ±50% at random. Loops that found nothing at the same moment —
    /// they all queue for the claim behind one batch's write (`WriteGate`) — would otherwise
    /// poll in step, every `pollInterval`, so a new delivery waited the whole interval
    /// instead of a fraction of it (bench/RESULTS.md).
    static func jittered(_ interval: Duration) -> Duration {
        interval * Double.random(in: 0.5...1.5)
    }

    /// A graceful stop (SIGTERM): no new claims; jobs in hand get `grace` to finish, then
    /// are cancelled; whatever this worker still holds goes back to the queue at once
    /// instead of waiting for its lease to expire.
    func stop(grace: Duration = .zero) async {
        guard
            let task = loop.withLock({ task in
                defer { task = nil }
                return task
            })
        else { return }
        stopping.store(true, ordering: .relaxed)
        let deadline = Task {
            try? await Task.sleep(for: grace)
            task.cancel()
        }
        await task.value
        deadline.cancel()
        do {
            let now = services.clock.now
            let released = try await writer.write(.background) { [self] db in try await queue(db).release(worker: name, now: now) }
            logger.info("worker stopped", metadata: ["worker": "\(name)", "released_jobs": "\(released)"])
        } catch {
            // Their leases expire and another worker takes them: nothing is lost.
            logger.warning("worker stopped without releasing its jobs", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }

    /// Runs a claimed batch: each runner's jobs together, then what it handed back, each as
    /// a batch of one. Jobs not started when a stop comes are handed back by `stop`.
    private func run(batch jobs: [Job]) async {
        let context = context
        for runner in runners {
            let mine = jobs.filter { runner.kinds.contains($0.kind) }
            guard !mine.isEmpty, !isStopping else { continue }
            var again = await runner.run(mine, on: context)
            while !again.isEmpty, !isStopping {
                again = await runner.run([again.removeFirst()], on: context) + again
            }
        }
        let known = runners.reduce(into: Set<String>()) { $0.formUnion($1.kinds) }
        for job in jobs where !known.contains(job.kind) {
            await failUnknown(job)
        }
    }

    /// A job no runner knows (written by a newer version, during a rolling deploy?): tried
    /// again with backoff, where a worker that knows it may take it, then dead, replayable.
    private func failUnknown(_ job: Job) async {
        let now = services.clock.now
        do {
            _ = try await writer.write(.background) { [self] db in
                try await queue(db).fail(job, error: "unknown job kind \(job.kind)", retryable: true, now: now)
            }
            logger.warning("worker: unknown job kind", metadata: ["job": "\(job.id?.uuidString ?? "")", "kind": "\(job.kind)"])
        } catch {
            logger.error("worker: could not record a failure", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }

    static func deliveryID(of job: Job) -> UUID? {
        guard job.kind == JobQueue.Kind.syncDelivery else { return nil }
        return try? DeliveryJobPayload.deliveryID(in: job.payload)
    }
}

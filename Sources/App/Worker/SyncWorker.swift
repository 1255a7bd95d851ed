import Fluent
import Foundation
import Logging
import OneflowAPI
import SQLiteStorage
import Synchronization
import Vapor

/// Runs durable jobs: claims one, does it, records the outcome. Transient failures (Oneflow
/// 5xx/429/timeouts, database hiccups) retry with backoff; permanent ones go dead at once;
/// either way the delivery shows why. Runs inside `serve` by default.
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

    /// Contracts per write transaction (`SyncPipeline.contractsPerTransaction`).
    let contractsPerTransaction: Int?

    /// Where claims and the pipeline's writes run (default: the application's writer on `db`).
    let writer: any DatabaseWriter

    init(
        db: any Database, services: AppServices, logger: Logger, executor: EventLoopTaskExecutor? = nil, contractsPerTransaction: Int? = nil,
        writer: (any DatabaseWriter)? = nil
    ) {
        self.db = db
        self.writer = writer ?? services.storage.writer(on: db)
        self.contractsPerTransaction = contractsPerTransaction
        self.executor = executor
        self.services = services
        self.logger = logger
        self.name = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// The one way from a delivery to the HR records.
    var pipeline: SyncPipeline {
        SyncPipeline(db: db, writer: writer, services: services, logger: logger, worker: name, contractsPerTransaction: contractsPerTransaction)
    }

    /// Claims up to `sync.batch_size` due jobs and runs them. Returns false when none was due.
    /// Notifications of one contract (publish, sign, …) arrive together, so a batch often
    /// holds several of them and one fetch answers them all (`CoveredDeliveries`).
    @discardableResult
    func runOnce(now: Date) async -> Bool {
        let jobs: [Job]
        do {
            let limit = services.config.sync.batchSize
            jobs = try await writer.write(.background) { [pipeline, name] db in
                try await pipeline.queue(db).claim(worker: name, limit: limit, now: now)
            }
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

    func start(concurrency: Int, sender: NotificationSender? = nil, pollInterval: Duration = .milliseconds(200)) {
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
            let released = try await writer.write(.background) { [pipeline, name] db in try await pipeline.queue(db).release(worker: name, now: now) }
            logger.info("worker stopped", metadata: ["worker": "\(name)", "released_jobs": "\(released)"])
        } catch {
            // Their leases expire and another worker takes them: nothing is lost.
            logger.warning("worker stopped without releasing its jobs", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }

    /// Runs a claimed batch: its deliveries through the pipeline together, then what that
    /// handed back — held deliveries their lead did not answer — each as a batch of one, and
    /// other jobs (reconciliation). Jobs not started when a stop comes are handed back by `stop`.
    private func run(batch jobs: [Job]) async {
        let pipeline = pipeline
        let deliveries = jobs.filter { $0.kind == JobQueue.Kind.syncDelivery }
        var again = await pipeline.run(deliveries)
        while !again.isEmpty, !isStopping {
            again = await pipeline.run([again.removeFirst()]) + again
        }
        for job in jobs where job.kind != JobQueue.Kind.syncDelivery && !isStopping {
            await run(job, pipeline)
        }
    }

    /// A job other than a delivery's.
    private func run(_ job: Job, _ pipeline: SyncPipeline) async {
        do {
            switch job.kind {
            case JobQueue.Kind.reconcile:
                let reconciler = Reconciler(db: db, services: services, logger: logger, writer: writer)
                try await reconciler.runAll(now: services.clock.now)
                let (interval, now) = (services.config.sync.reconcileIntervalSeconds, services.clock.now)
                try await writer.transaction(.background) { tx in
                    try await Reconciler.scheduleNext(on: tx, interval: interval, now: now)
                    try await pipeline.queue(tx).succeed(job, now: now)
                }
            default:
                throw SyncFailure(consequence: .dead, message: "unknown job kind \(job.kind)")
            }
        } catch {
            await pipeline.fail(job, SyncFailure(error))
        }
    }

    static func deliveryID(of job: Job) -> UUID? {
        guard job.kind == JobQueue.Kind.syncDelivery else { return nil }
        return try? DeliveryJobPayload.deliveryID(in: job.payload)
    }
}

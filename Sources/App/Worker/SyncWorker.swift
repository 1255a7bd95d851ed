import Fluent
import Foundation
import Logging
import OneflowAPI
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

    /// Contracts per write transaction (`BatchSync.contractsPerTransaction`).
    let contractsPerTransaction: Int?

    /// Where claims and batch writes run (default: `db`, on the worker's own executor).
    let writes: WriteLane

    init(
        db: any Database, services: AppServices, logger: Logger, executor: EventLoopTaskExecutor? = nil, contractsPerTransaction: Int? = nil,
        writes: WriteLane? = nil
    ) {
        self.db = db
        self.writes = writes ?? WriteLane(db: db)
        self.contractsPerTransaction = contractsPerTransaction
        self.executor = executor
        self.services = services
        self.logger = logger
        self.name = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    var queue: JobQueue { queue(on: db) }

    func queue(on db: any Database) -> JobQueue {
        JobQueue(db: db, lease: TimeInterval(services.config.sync.leaseSeconds), retryBase: services.config.sync.retryBaseSeconds)
    }

    /// Claims up to `sync.batch_size` due jobs and runs them. Returns false when none was due.
    /// Notifications of one contract (publish, sign, …) arrive together, so a batch often
    /// holds several of them and one fetch answers them all (`CoveredDeliveries`).
    @discardableResult
    func runOnce(now: Date) async -> Bool {
        let jobs: [Job]
        do {
            let limit = services.config.sync.batchSize
            jobs = try await writes.run(services.writeGate) { db in try await queue(on: db).claim(worker: name, limit: limit, now: now) }
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
            let released = try await queue.release(worker: name, now: services.clock.now)
            logger.info("worker stopped", metadata: ["worker": "\(name)", "released_jobs": "\(released)"])
        } catch {
            // Their leases expire and another worker takes them: nothing is lost.
            logger.warning("worker stopped without releasing its jobs", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }

    /// Runs a claimed batch: its deliveries together in phases (`BatchSync`), then what that
    /// handed back — other jobs, and contracts it could not finish — one contract at a time.
    /// Jobs not started when a stop comes are handed back by `stop`.
    private func run(batch jobs: [Job]) async {
        let rest = await BatchSync(
            db: db, writes: writes, services: services, logger: logger, worker: name,
            contractsPerTransaction: contractsPerTransaction
        ).run(jobs)
        for handback in rest {
            guard !isStopping else { return }
            await run(handback.jobs[0], holding: Array(handback.jobs.dropFirst()), prefetched: handback.prefetched, failure: handback.failure)
        }
    }

    /// - Parameters:
    ///   - prefetched: what `BatchSync` fetched for the job already.
    ///   - failure: the job already failed in `BatchSync`; only record it.
    private func run(_ job: Job, holding siblings: [Job] = [], prefetched: ContractSync.Prefetched? = nil, failure: (any Error)? = nil) async {
        var answered: Set<UUID> = []
        do {
            if let failure { throw failure }
            answered = try await perform(job, holding: siblings, prefetched: prefetched)
            try await queue.succeed(job, now: services.clock.now)
        } catch {
            await failed(job, error)
        }
        // Siblings the lead did not answer (it failed, or stopped early — e.g. a disconnected
        // installation) run on their own rather than wait for their lease to expire.
        for sibling in siblings where !isStopping {
            if let delivery = Self.deliveryID(of: sibling), answered.contains(delivery) { continue }
            await run(sibling)
        }
    }

    static func deliveryID(of job: Job) -> UUID? {
        guard job.kind == JobQueue.Kind.syncDelivery else { return nil }
        return try? DeliveryJobPayload.deliveryID(in: job.payload)
    }

    /// - Returns: the held deliveries the job answered as well.
    private func perform(_ job: Job, holding siblings: [Job], prefetched: ContractSync.Prefetched?) async throws -> Set<UUID> {
        switch job.kind {
        case JobQueue.Kind.syncDelivery:
            let deliveryID = try DeliveryJobPayload.deliveryID(in: job.payload)
            let covered = CoveredDeliveries(db: db, worker: name, held: siblings)
            return try await ContractSync(db: db, services: services, logger: logger).process(
                deliveryID: deliveryID, covering: covered, prefetched: prefetched)
        case JobQueue.Kind.reconcile:
            try await Reconciler(db: db, services: services, logger: logger).runAll(now: services.clock.now)
            try await Reconciler.scheduleNext(on: db, interval: services.config.sync.reconcileIntervalSeconds, now: services.clock.now)
            return []
        default:
            throw Abort(.internalServerError, reason: "unknown job kind \(job.kind)")
        }
    }

    private func failed(_ job: Job, _ error: any Error) async {
        let oneflow = error as? OneflowError
        // Oneflow's 4xx (other than 429) will not fix itself; everything else may.
        let retryable = oneflow?.isRetryable ?? !(error is DecodingError)
        let notBefore: TimeInterval = oneflow?.isRateLimited == true ? 60 : 0
        let message = oneflow.map(\.description) ?? String(describing: error)
        do {
            let dead = try await queue.fail(job, error: message, retryable: retryable, notBefore: notBefore, now: services.clock.now)
            logger.warning(
                "worker: job failed",
                metadata: ["job": "\(job.id?.uuidString ?? "")", "kind": "\(job.kind)", "dead": "\(dead)", "error": "\(message)"])
            if let deliveryID = Self.deliveryID(of: job), let delivery = try await WebhookDelivery.find(deliveryID, on: db) {
                delivery.status = dead ? .dead : .failed
                delivery.attempts = job.attempts
                delivery.outcomeReason = String(message.prefix(1000))
                try await delivery.save(on: db)
                services.metrics.outcome(delivery.status)
            }
        } catch {
            // The lease expires and the job is claimed again: nothing is lost.
            logger.error("worker: could not record a failure", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }
}

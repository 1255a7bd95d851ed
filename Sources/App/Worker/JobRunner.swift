import Fluent
import Foundation
import Logging

/// What a worker does with the jobs it claims, one runner per family of job kinds: the sync
/// pipeline's deliveries and reconciliation (`SyncJobs`). The worker claims, leases, retries
/// and stops; runners know what a job means. Wired in `workers.swift`.
protocol JobRunner: Sendable {
    /// The job kinds it runs (`Job.kind`).
    var kinds: Set<String> { get }

    /// Runs claimed jobs of its kinds and records each one's outcome.
    /// - Returns: jobs to run again, each on its own (a batch of one): e.g. held deliveries a
    ///   failed lead did not answer.
    func run(_ jobs: [Job], on worker: WorkerContext) async -> [Job]

    /// Before the workers' first claim (e.g. plan a periodic job).
    func prepare(on worker: WorkerContext) async throws
}

/// The worker a runner runs for: its name (`jobs.leased_by`), where it reads and writes.
struct WorkerContext: Sendable {
    var name: String
    var db: any Database
    var writer: any DatabaseWriter
    var logger: Logger
    /// Rows written per transaction (`nil`: a batch in one); bounds an acknowledgement's wait
    /// inside `serve` (`SyncWorkerLifecycle.contractsPerTransactionInServe`).
    var contractsPerTransaction: Int?
}

/// Something the worker runs beside its jobs, in a loop of its own: the notification sender.
protocol BackgroundLoop: Sendable {
    /// Does one unit of work if one is due. - Returns: false when none was.
    func runOnce(now: Date) async throws -> Bool
    /// After the last `runOnce`.
    func shutdown() async
}

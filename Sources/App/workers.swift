import Fluent
import SQLiteStorage
import Vapor

// The worker's wiring: which runners, which sender, on which threads and database handles.
// Here at the top with `configure` and `routes`, since it names several features.
extension SyncWorkerLifecycle {
    /// Contracts per write transaction for a worker inside `serve`, next to the webhook
    /// receiver: an acknowledgement waits for one such transaction at most.
    static let contractsPerTransactionInServe = 8

    /// The worker and the notification sender, from the configuration.
    /// - Parameter alongsideReceiver: inside `serve`, where webhooks are acknowledged.
    static func make(_ app: Application, services: AppServices, alongsideReceiver: Bool = true) throws -> SyncWorkerLifecycle {
        let config = services.config
        // One worker per event loop, each with the database on its loop (`EventLoopTaskExecutor`).
        // Inside `serve` the workers run on threads of their own below the HTTP loops'
        // priority (`BackgroundThreads`), their database still on an HTTP loop.
        let logger = Logger(label: "hrbridge.worker")
        let loops = Array(app.eventLoopGroup.makeIterator().prefix(max(1, config.sync.workerConcurrency)))
        let databases = try loops.map { loop in
            guard let db = app.databases.database(logger: logger, on: loop) else {
                throw ConfigError(key: "database.url", "no database is configured")
            }
            return db
        }
        let threads = alongsideReceiver ? BackgroundThreads(count: loops.count) : nil
        // A SQLite file: the writes on the process's write thread, with the inbox's (`SQLiteFileWriter`).
        let writeConnection = services.storage.fileConnection(configuration: app.db.context.configuration, logger: logger)
        let runners: [any JobRunner] = [
            SyncJobs(services: services), ContractRequestJobs(services: services),
            ContractBatchJobs(services: services, catalogs: app.sendingCatalogs),
            RetentionJobs(
                services: services,
                readers: app.eventLoopGroup.makeIterator().compactMap { app.databases.database(logger: logger, on: $0) }.map {
                    services.storage.writer(on: $0)
                }),
            FieldReapplyJobs(services: services),
        ]
        // Always: an installation may have a notification target of its own without `notify.*`.
        // It runs beside the first worker, on its database handle, its writes with the worker's.
        let sender = NotificationSender(
            db: databases[0], writer: services.storage.writer(on: databases[0], sharing: writeConnection), targets: services.notificationTargets,
            maxAttempts: config.sync.maxAttempts, metrics: services.metrics, http: services.outboundHTTP)
        let workers = zip(threads?.loops ?? loops, databases).map { loop, db in
            SyncWorker(
                db: db, services: services, logger: logger, runners: runners, executor: EventLoopTaskExecutor(loop),
                contractsPerTransaction: alongsideReceiver ? contractsPerTransactionInServe : nil,
                writer: services.storage.writer(on: db, sharing: writeConnection))
        }
        return SyncWorkerLifecycle(
            workers: workers, writeConnection: writeConnection, threads: threads,
            concurrency: config.sync.workerConcurrency,
            shutdownGrace: .seconds(config.sync.shutdownGraceSeconds), pollInterval: .milliseconds(config.sync.pollIntervalMilliseconds),
            sender: sender)
    }
}

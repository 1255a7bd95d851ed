import Fluent
import SQLiteStorage
import UnixSignals
import Vapor

/// `hrbridge worker`: the background worker without the HTTP server, for scale-out next to
/// `serve --no-worker` on one PostgreSQL. Jobs are claimed with `FOR UPDATE SKIP LOCKED`
/// and a lease, so any number of workers can run; SIGTERM or SIGINT stops it gracefully.
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }

    var help: String { "Runs the background worker alone (scale-out next to `serve --no-worker`)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let worker = try SyncWorkerLifecycle.make(app, services: app.services, alongsideReceiver: false)
        try await worker.didBootAsync(app)
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            app.logger.notice("worker: \(signal) received, stopping")
            break
        }
        await worker.shutdownAsync(app)
    }
}

extension SyncWorkerLifecycle {
    /// Contracts per write transaction for a worker inside `serve`, next to the webhook
    /// receiver: an acknowledgement waits for one such transaction at most.
    static let contractsPerTransactionInServe = 8

    /// The worker (and the notification sender when `notify.endpoint` is set) from the configuration.
    /// - Parameter alongsideReceiver: inside `serve`, where webhooks are acknowledged.
    static func make(_ app: Application, services: AppServices, alongsideReceiver: Bool = true) throws -> SyncWorkerLifecycle {
        let config = services.config
        let sender: NotificationSender?
        do {
            sender = try config.notify.endpoint.map { _ in
                NotificationSender(
                    db: app.db, writer: services.storage.writer(on: app.db), settings: config.notify, maxAttempts: config.sync.maxAttempts,
                    metrics: services.metrics,
                    http: try LiveOutboundHTTP(settings: config.notify))
            }
        } catch {
            throw ConfigError(key: "notify.client_certificate_file", "cannot load the client certificate or key: \(error)")
        }
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
        let writeConnection = services.storage.writeThread.map {
            WorkerSQLiteConnection(thread: $0, gate: services.storage.gate, configuration: app.db.context.configuration, logger: logger)
        }
        let workers = zip(threads?.loops ?? loops, databases).map { loop, db in
            SyncWorker(
                db: db, services: services, logger: logger, executor: EventLoopTaskExecutor(loop),
                contractsPerTransaction: alongsideReceiver ? contractsPerTransactionInServe : nil,
                writer: writeConnection?.writer ?? services.storage.writer(on: db))
        }
        return SyncWorkerLifecycle(
            workers: workers, writeConnection: writeConnection, threads: threads,
            concurrency: config.sync.workerConcurrency, reconcileInterval: config.sync.reconcileIntervalSeconds,
            shutdownGrace: .seconds(config.sync.shutdownGraceSeconds), pollInterval: .milliseconds(config.sync.pollIntervalMilliseconds),
            sender: sender)
    }
}

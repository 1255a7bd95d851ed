import AsyncHTTPClient
import Fluent
import Leaf
import OneflowAPI
import OneflowSandbox
import Vapor

/// Wires the application from a validated configuration. Wiring only: no logic here.
///
/// - Parameters:
///   - oneflow: the Oneflow client to use; `nil` builds the live HTTP client for
///     `oneflow.base_url`, or for the sandbox mounted here when that is empty.
///   - runWorker: run the background worker with the app (`serve` without `--no-worker`).
///   - clock: the time every feature reads; tests pass one they move.
///   - servesSandbox: serve the embedded sandbox when `oneflow.base_url` is empty. Only the
///     process that serves HTTP does: a second copy (in `worker`, `migrate` …) would run a
///     second delivery engine over the same `sandbox.json`.
public func configure(
    _ app: Application, config: AppConfig, oneflow: (any OneflowClient)? = nil, runWorker: Bool = false,
    servesSandbox: Bool = true, clock: any AppClock = SystemClock()
) async throws {
    // SQLite calls block a thread of this pool, and sqlite-nio's busy handler waits on that
    // thread for a lock another connection holds. The process-wide default pool has one
    // thread per core: waiters could fill it and leave the lock holder no thread to commit
    // on. Our own, larger pool (set before Fluent first uses it) keeps a thread free.
    app.threadPool = NIOThreadPool(numberOfThreads: max(8, System.coreCount * 4))
    configureHTTP(app, config)

    try DatabaseSetup.configure(app, config.database)
    if config.database.kind == "sqlite" {
        try await DatabaseSetup.prepareSQLite(app, busyTimeoutMilliseconds: config.sqliteBusyTimeoutMilliseconds)
        // The embedded default migrates itself; PostgreSQL deployments run `hrbridge migrate`.
        try await app.autoMigrate()
    }

    if config.oneflow.usesSandbox && servesSandbox {
        try mountSandbox(app, config, setupURL: config.sandbox.setupURL ?? config.publicBaseURL + "/setup")
    }
    let services = try AppServices(config: config, oneflow: oneflow ?? makeOneflowClient(app, config: config), clock: clock)
    app.services = services
    app.lifecycle.use(OutboundHTTPShutdown(http: services.outboundHTTP))

    let inbox = GroupCommitInbox(
        maxAttempts: config.sync.maxAttempts, database: services.storage.inbox({ app.db }, logger: Logger(label: "hrbridge.inbox")))
    app.lifecycle.use(InboxLifecycle(inbox: inbox))
    try routes(app, config: config, services: services, inbox: inbox)

    app.asyncCommands.use(DisconnectCommand(), as: "disconnect")
    app.asyncCommands.use(APIKeyCommand(), as: "api-key")
    app.asyncCommands.use(RotateSignKeyCommand(), as: "rotate-sign-key")
    app.asyncCommands.use(ReplayCommand(), as: "replay")
    app.asyncCommands.use(ReconcileCommand(), as: "reconcile")
    app.asyncCommands.use(SendTestWebhookCommand(), as: "send-test-webhook")
    app.asyncCommands.use(WorkerCommand { app in try SyncWorkerLifecycle.make(app, services: app.services, alongsideReceiver: false) }, as: "worker")
    if runWorker {
        app.lifecycle.use(try SyncWorkerLifecycle.make(app, services: services))
    }
}

/// Lets go of the inbox's database when the application shuts down (on a SQLite file, the
/// write thread closes with its last user).
private struct InboxLifecycle: LifecycleHandler {
    let inbox: GroupCommitInbox

    func shutdownAsync(_ application: Application) async {
        await inbox.database.close()
    }
}

/// `hrbridge sandbox`: the sandbox alone on its own port, same routes, no database — so
/// tests can stop HR Bridge while "Oneflow" keeps running and keeps retrying webhooks.
public func configureSandboxOnly(_ app: Application, config: AppConfig) throws {
    configureHTTP(app, config)
    try mountSandbox(app, config, setupURL: config.sandbox.setupURL ?? "http://127.0.0.1:8080/setup")
    app.get { req in req.redirect(to: "/sandbox") }
    app.get("health") { _ in ["status": "ok"] }
}

/// Server address, our middleware (only ours: Vapor's default route logger would print
/// query strings, tokens included), static files and Leaf.
private func configureHTTP(_ app: Application, _ config: AppConfig) {
    app.http.server.configuration.hostname = config.http.host
    app.http.server.configuration.port = config.http.port
    app.http.server.configuration.serverName = "hrbridge"
    app.http.server.configuration.idleTimeout = .seconds(Int64(config.http.idleTimeoutSeconds))
    // Our own server around Vapor's responder: it bounds the request head too (BoundedHTTPServer).
    let server = BoundedHTTPServer(
        application: app,
        deadlines: RequestLimits.Deadlines(
            head: .seconds(Int64(config.http.headDeadlineSeconds)),
            webhook: .seconds(Int64(config.http.webhookDeadlineSeconds)),
            request: .seconds(Int64(config.http.requestDeadlineSeconds))))
    app.servers.use { _ in server }
    app.middleware = Middlewares()
    app.middleware.use(
        RequestLogMiddleware(
            sensitiveParameters: [config.setup.tokenParameter], secretPaths: [RequestLogMiddleware.linkPath, WebhookURL.pathPrefix]))
    // Outside the error middleware, so error pages carry the headers too.
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(AppErrorMiddleware())
    app.middleware.use(RequestLimitsMiddleware())
    app.middleware.use(ReadOnlyAPIMiddleware())
    app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))
    app.views.use(.leaf)
}

private func mountSandbox(_ app: Application, _ config: AppConfig, setupURL: String) throws {
    let sandbox = Sandbox(
        configuration: .init(
            dataFile: config.database == .sqliteInMemory || !config.sandbox.persist ? nil : config.dataDirectory + "/sandbox.json",
            setupURL: setupURL, tokenParameter: config.setup.tokenParameter,
            extensionTemplateGroupName: config.extensionSettings.templateGroupName, retryScale: config.sandbox.retryScale,
            rateLimit: SandboxRateLimit(calls: config.sandbox.rateLimit)
        ), logger: Logger(label: "hrbridge.sandbox"))
    try sandbox.register(on: app)
    // Said at every start: an operator must never run it without knowing.
    app.logger.warning("The Oneflow sandbox is mounted at /sandbox (oneflow.base_url is empty): a stand-in for Oneflow, for local use and tests only")
    app.lifecycle.use(SandboxLifecycle(sandbox: sandbox))
    app.storage[Application.SandboxKey.self] = sandbox
}

extension Application {
    struct SandboxKey: StorageKey { typealias Value = Sandbox }

    /// The sandbox mounted in this application, if any (tests drive it directly).
    public var sandbox: Sandbox? { storage[SandboxKey.self] }
}

private func makeOneflowClient(_ app: Application, config: AppConfig) -> any OneflowClient {
    let http = OneflowHTTPClient.makeHTTPClient()
    app.lifecycle.use(HTTPClientShutdown(client: http))
    // Empty `oneflow.base_url`: the sandbox mounted in this same process, over loopback.
    let host = ["0.0.0.0", "::", ""].contains(config.http.host) ? "127.0.0.1" : config.http.host
    let baseURL = config.oneflow.baseURL ?? "http://\(host):\(config.http.port)/sandbox/oneflow"
    return OneflowHTTPClient(
        baseURL: baseURL, http: http, timeout: .seconds(Int64(config.oneflow.timeoutSeconds)),
        logger: Logger(label: "hrbridge.oneflow")
    )
}

/// Shuts the HR systems' HTTP clients down with the application.
struct OutboundHTTPShutdown: LifecycleHandler {
    let http: any OutboundHTTP
    func shutdownAsync(_ application: Application) async { await http.shutdown() }
}

/// Shuts the Oneflow HTTP client down with the application.
struct HTTPClientShutdown: LifecycleHandler {
    let client: HTTPClient
    func shutdownAsync(_ application: Application) async {
        try? await client.shutdown()
    }
}

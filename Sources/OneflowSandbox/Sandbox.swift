import AsyncHTTPClient
import Foundation
import Logging
import Vapor

/// A local stand-in for Oneflow's API v1, with a Marketplace and contract pages for people,
/// a control API for tests, and a delivery engine that sends signed webhooks with Oneflow's
/// retry schedule. Mounted under `/sandbox` by `hrbridge serve` when `oneflow.base_url` is
/// empty, run alone by `hrbridge sandbox`, or in-process by tests.
public final class Sandbox: Sendable {
    public struct Configuration: Sendable {
        /// Where state is kept across restarts; nil keeps it in memory only (tests).
        public var dataFile: String?
        /// Our Setup URL: the Marketplace's "Enable extension" redirects the browser here.
        public var setupURL: String
        /// Query parameter that carries the token to the Setup URL.
        public var tokenParameter: String
        /// Name of our template group, preselected on the contracts page.
        public var extensionTemplateGroupName: String
        /// 1.0 = Oneflow's real retry timing; smaller compresses it for tests.
        public var retryScale: Double
        /// Calls per token per window before a 429 (`SandboxRateLimit.oneflow` by default).
        public var rateLimit: SandboxRateLimit

        public init(
            dataFile: String?, setupURL: String, tokenParameter: String = "token",
            extensionTemplateGroupName: String = "HR Bridge", retryScale: Double = 1.0, rateLimit: SandboxRateLimit = .oneflow
        ) {
            self.rateLimit = rateLimit
            self.dataFile = dataFile
            self.setupURL = setupURL
            self.tokenParameter = tokenParameter
            self.extensionTemplateGroupName = extensionTemplateGroupName
            self.retryScale = retryScale
        }
    }

    public let configuration: Configuration
    let store: SandboxStore
    let faults = FaultInjector()
    let rateLimiter: SandboxRateLimiter
    let engine: DeliveryEngine
    private let http: HTTPClient
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger = Logger(label: "sandbox")) {
        self.configuration = configuration
        self.logger = logger
        rateLimiter = SandboxRateLimiter(configuration.rateLimit)
        store = SandboxStore(persistPath: configuration.dataFile, extensionTemplateGroupName: configuration.extensionTemplateGroupName)
        var httpConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        httpConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
        engine = DeliveryEngine(store: store, http: http, schedule: RetrySchedule(scale: configuration.retryScale), logger: logger)
    }

    /// Mounts `/sandbox` (pages), `/sandbox/oneflow/v1` (the API) and `/sandbox/control`.
    public func register(on routes: any RoutesBuilder) throws {
        let root = routes.grouped("sandbox")
        let oneflow = root.grouped("oneflow").grouped(SandboxErrorMiddleware())
        let v1 = oneflow.grouped("v1").grouped(SandboxAuthMiddleware(store: store, faults: faults, rateLimiter: rateLimiter))
        try v1.register(collection: SandboxAPIController(store: store))
        try v1.register(collection: SandboxWebhooksController(store: store))
        try v1.register(collection: SandboxContractsController(store: store))
        try v1.register(collection: SandboxDirectoryController(store: store))
        // Anything else under the API is Oneflow's 404 in Oneflow's error format — after the
        // token check, so a bad token is 401 on every path, as a real API answers.
        for method in [HTTPMethod.GET, .POST, .PUT, .DELETE, .PATCH] {
            v1.on(method, "**") { _ -> Response in throw SandboxProblem.notFound("The resource") }
            oneflow.on(method, "**") { _ -> Response in throw SandboxProblem.notFound("The resource") }
        }
        try root.grouped("control").grouped(SandboxErrorMiddleware())
            .register(collection: SandboxControlController(store: store, faults: faults, rateLimiter: rateLimiter, engine: engine))
        try root.register(collection: SandboxPagesController(store: store, configuration: configuration))
    }

    /// Starts delivering webhooks in the background (resuming any left pending).
    public func start() async {
        if let aside = await store.setAside {
            logger.warning("The sandbox's state file could not be read; it was moved to \(aside) and the sandbox starts empty")
        }
        await store.completeDirectories()
        await engine.start()
    }

    /// Stops deliveries and releases the HTTP client.
    public func shutdown() async {
        await engine.stop()
        try? await http.shutdown()
    }

    /// Sends every due notification now (tests that do not start the background loop).
    @discardableResult
    public func deliverDue() async -> Int { await engine.runDue() }
}

/// Starts and stops a sandbox with the application.
public struct SandboxLifecycle: LifecycleHandler {
    public let sandbox: Sandbox
    public init(sandbox: Sandbox) { self.sandbox = sandbox }
    public func didBootAsync(_ application: Application) async throws { await sandbox.start() }
    public func shutdownAsync(_ application: Application) async { await sandbox.shutdown() }
}

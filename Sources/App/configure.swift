import AsyncHTTPClient
import Fluent
import Leaf
import OneflowAPI
import Vapor

/// Wires the application from a validated configuration. Wiring only: no logic here.
///
/// - Parameter oneflow: the Oneflow client to use; `nil` builds the live HTTP client for
///   `oneflow.base_url` (or the embedded sandbox when that is empty). Tests pass their own.
public func configure(_ app: Application, config: AppConfig, oneflow: (any OneflowClient)? = nil) async throws {
    app.http.server.configuration.hostname = config.http.host
    app.http.server.configuration.port = config.http.port
    app.http.server.configuration.serverName = "hrbridge"

    // Our own middleware only: Vapor's default route logger would print query strings (tokens).
    app.middleware = Middlewares()
    app.middleware.use(RequestLogMiddleware(sensitiveParameters: [config.setup.tokenParameter]))
    app.middleware.use(AppErrorMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))

    app.views.use(.leaf)

    try DatabaseSetup.configure(app, config.database)
    if config.database.kind == "sqlite" {
        try await DatabaseSetup.prepareSQLite(app.db)
        // The embedded default migrates itself; PostgreSQL deployments run `hrbridge migrate`.
        try await app.autoMigrate()
    }

    let services = try AppServices(config: config, oneflow: oneflow ?? makeOneflowClient(app, config: config))
    app.services = services

    try app.register(collection: HomeController(config: config))
    try app.register(collection: HealthController())
}

private func makeOneflowClient(_ app: Application, config: AppConfig) -> any OneflowClient {
    let http = OneflowHTTPClient.makeHTTPClient()
    app.lifecycle.use(HTTPClientShutdown(client: http))
    // Empty `oneflow.base_url` means the sandbox mounted in this same process.
    let baseURL = config.oneflow.baseURL ?? "http://127.0.0.1:\(config.http.port)/sandbox/oneflow"
    return OneflowHTTPClient(
        baseURL: baseURL, http: http, timeout: .seconds(Int64(config.oneflow.timeoutSeconds)),
        logger: Logger(label: "hrbridge.oneflow")
    )
}

/// Shuts the Oneflow HTTP client down with the application.
struct HTTPClientShutdown: LifecycleHandler {
    let client: HTTPClient
    func shutdownAsync(_ application: Application) async {
        try? await client.shutdown()
    }
}

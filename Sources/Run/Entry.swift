import App
import Foundation
import Logging
import NIOCore
import NIOPosix
import Vapor

/// `hrbridge`: configuration → logging → application → command (thin on purpose).
@main
enum Entry {
    static func main() async {
        // Swift concurrency runs on NIO's event loops instead of Dispatch's threads: a request
        // no longer hops between the two thread sets on every await, each hop a thread wake-up
        // (the ack benchmark's profile was dominated by them; bench/RESULTS.md). Done first,
        // before anything else is enqueued. Vapor's template carries the same line.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        // `hrbridge sandbox [--port P]` is `serve` with only the sandbox mounted.
        var arguments = CommandLine.arguments
        let sandboxOnly = arguments.count > 1 && arguments[1] == "sandbox"
        if sandboxOnly { arguments[1] = "serve" }
        // `serve --no-worker`: HTTP only, for scale-out next to separate workers.
        let noWorker = arguments.contains("--no-worker")
        arguments.removeAll { $0 == "--no-worker" }
        let command = arguments.count > 1 && !arguments[1].hasPrefix("-") ? arguments[1] : "serve"

        let config: AppConfig
        do {
            let loaded = try AppConfig.load(from: try await AppConfig.standardProviders())
            bootstrapLogging(level: loaded.logLevel)
            // Only the server renders pages: `worker`, `migrate` … run without Resources/ and Public/.
            if command == "serve" { try ShippedFiles.check(DirectoryConfiguration.detect()) }
            if sandboxOnly { try loaded.requireSandboxAllowed() }
            config = sandboxOnly ? loaded : try GeneratedSecrets.resolve(loaded, logger: Logger(label: "hrbridge"))
        } catch {
            // One line, naming the key: a bad setting is an operator's mistake, not a crash.
            FileHandle.standardError.write(Data("hrbridge: \(error)\n".utf8))
            exit(2)
        }

        let app: Application
        do {
            let environment = try Environment.detect(arguments: arguments)
            app = try await Application.make(environment)
        } catch {
            FileHandle.standardError.write(Data("hrbridge: \(error)\n".utf8))
            exit(2)
        }

        var status: Int32 = 0
        do {
            if sandboxOnly {
                try configureSandboxOnly(app, config: config)
            } else {
                try await configure(
                    app, config: config, runWorker: command == "serve" && config.sync.workerEnabled && !noWorker,
                    servesSandbox: command == "serve")
                // SQLite migrated itself in `configure`; PostgreSQL waits for `hrbridge migrate`.
                let migrated = config.database.kind == "sqlite" || !["migrate", "routes"].contains(command)
                if config.database.kind == "postgres", migrated {
                    try await SchemaCheck.requireMigrated(app)
                }
                // The master key must be the one the database's secrets are sealed with.
                if migrated { try await MasterKeyCheck.verify(app) }
            }
            try await app.execute()
            // SIGTERM/SIGINT ended `serve`: answer the requests in flight (Vapor quiesces the
            // server) while the database is still there. `asyncShutdown` would tear its
            // storage — the server and the database pools among it — down in no set order.
            await app.server.shutdown()
        } catch let error as ConfigError {
            // A setting found wrong only once the database answers (security.master_key): the
            // same one line and exit code as a setting found wrong before.
            FileHandle.standardError.write(Data("hrbridge: \(error)\n".utf8))
            status = 2
        } catch {
            app.logger.critical("hrbridge stopped: \(ErrorText.startup(error))")
            status = 1
        }
        try? await app.asyncShutdown()
        if status != 0 { exit(status) }
    }

    private static func bootstrapLogging(level: String) {
        let level = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = RedactingLogHandler(wrapping: StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
    }
}

import Configuration
import Foundation
import Logging
import SQLKit
import Synchronization
import SystemPackage
import Testing
import Vapor

@testable import App

/// The package root, found from this file so tests do not depend on the working directory.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// The HR API key the test apps accept (`api.keys` needs at least 32 characters).
let testAPIKey = "test-key-0123456789abcdef0123456789"

/// A fixed master key for tests (32 bytes, base64).
let testMasterKey = Data(repeating: 7, count: 32).base64EncodedString()

/// PostgreSQL for the tests that run on both databases: set by `scripts/test`.
let testPostgresURL: String? = ProcessInfo.processInfo.environment["TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// Runs `body` with a database URL of its own: SQLite URLs as they are; for PostgreSQL a
/// fresh database is created (and dropped after), so tests can run in parallel.
func withFreshDatabase(_ url: String, _ body: (String) async throws -> Void) async throws {
    guard url.hasPrefix("postgres"), var components = URLComponents(string: url) else { return try await body(url) }
    let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    func admin(_ statement: String) async throws {
        try await withTestApp(["DATABASE_URL": url]) { app in
            try await (app.db as! any SQLDatabase).raw(SQLQueryString(statement)).run()
        }
    }
    try await admin("CREATE DATABASE \(name)")
    components.path = "/" + name
    do {
        try await body(components.string ?? url)
    } catch {
        try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        throw error
    }
    try await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
}

enum TestConfig {
    /// The committed defaults, overridden by environment-style variables (`HTTP_PORT` …).
    static func providers(_ overrides: [String: String]) async throws -> [any ConfigProvider] {
        [
            EnvironmentVariablesProvider(environmentVariables: overrides),
            try await FileProvider<JSONSnapshot>(filePath: FilePath(packageRoot + "/config/default.json")),
        ]
    }

    static func load(_ overrides: [String: String] = [:]) async throws -> AppConfig {
        try AppConfig.load(from: try await providers(overrides))
    }

    /// A configuration for an app under test: in-memory SQLite, fixed keys, its own data dir.
    static func app(_ overrides: [String: String] = [:]) async throws -> AppConfig {
        let base = [
            "DATABASE_URL": "sqlite::memory:",
            "SECURITY_MASTER_KEY": testMasterKey,
            "ADMIN_PASSWORD": "test-admin-password",
            "DATA_DIR": NSTemporaryDirectory() + "hrbridge-test-" + UUID().uuidString,
        ]
        return try await load(base.merging(overrides) { _, new in new })
    }
}

/// `TEST_DATABASE=postgres` (the second pass of `scripts/test`) runs every app under test on
/// a fresh PostgreSQL database of its own instead of in-memory SQLite.
let testsRunOnPostgres: Bool = ProcessInfo.processInfo.environment["TEST_DATABASE"] == "postgres"

/// Runs `body` with a configured application; always shuts it down.
func withTestApp(
    _ overrides: [String: String] = [:],
    logs: LogStore? = nil,
    worker: Bool = false,
    clock: any AppClock = SystemClock(),
    _ body: (Application) async throws -> Void
) async throws {
    if testsRunOnPostgres, overrides["DATABASE_URL"] == nil {
        guard let url = testPostgresURL else {
            Issue.record("TEST_DATABASE=postgres needs TEST_POSTGRES_URL")
            return
        }
        return try await withFreshDatabase(url) { fresh in
            try await withConfiguredApp(
                overrides.merging(["DATABASE_URL": fresh]) { _, new in new }, logs: logs, worker: worker, clock: clock, migrate: true, body)
        }
    }
    try await withConfiguredApp(overrides, logs: logs, worker: worker, clock: clock, migrate: false, body)
}

private func withConfiguredApp(
    _ overrides: [String: String], logs: LogStore?, worker: Bool, clock: any AppClock, migrate: Bool,
    _ body: (Application) async throws -> Void
) async throws {
    let config = try await TestConfig.app(overrides)
    // The data directory `TestConfig.app` made up for this app (the sandbox's file, SQLite
    // files a test puts there) goes with it; one a test passed in is the test's to remove.
    defer { if overrides["DATA_DIR"] == nil { try? FileManager.default.removeItem(atPath: config.dataDirectory) } }
    let app = try await Application.make(.testing)
    app.directory = DirectoryConfiguration(workingDirectory: packageRoot + "/")
    if let logs {
        // The same redacting wrapper the binary bootstraps (Sources/Run/Entry.swift).
        app.logger = Logger(label: "test") { _ in RedactingLogHandler(wrapping: CapturingLogHandler(store: logs)) }
    } else {
        app.logger.logLevel = .warning
    }
    do {
        try await configure(app, config: config, runWorker: worker, clock: clock)
        // SQLite migrates in configure; PostgreSQL deployments run `hrbridge migrate`.
        if migrate { try await app.autoMigrate() }
        try await body(app)
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

/// Every log line (message and metadata) an app under test wrote.
final class LogStore: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        store.append("\(event.level) \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
    }
}

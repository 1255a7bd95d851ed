import Fluent
import FluentPostgresDriver
import Foundation
import Logging
import SQLKit
import Testing
import Vapor
@testable import App

/// What `hrbridge` says when its database is not ready: a PostgreSQL that is down or
/// misnamed, or a schema `hrbridge migrate` has not brought up to this build.
@Suite("Start-up checks")
struct StartupChecksTests {
    @Test("a PostgreSQL nobody listens on is named, with what to check")
    func unreachable() async throws {
        let port = try freePort()
        let configuration = PostgresConnection.Configuration(host: "127.0.0.1", port: port, username: "u", password: "p",
                                                             database: "d", tls: .disable)
        let error = await #expect(throws: PSQLError.self) {
            _ = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
        }
        let line = try StartupFailure.describe(#require(error))
        #expect(line.hasPrefix("cannot connect to PostgreSQL ("))
        #expect(line.contains(":\(port)"))
        #expect(line.hasSuffix("is database.url right?"))
        #expect(!line.contains("Generic description"))
    }

    @Test("errors of our own keep their words")
    func ours() {
        #expect(StartupFailure.describe(ConfigError(key: "http.port", "bad")) == "configuration error: http.port: bad")
        #expect(StartupFailure.describe(SchemaBehind.neverMigrated).contains("hrbridge migrate --yes"))
    }

    @Test("a migrated database passes; one with migrations left to run names the first")
    func schemaBehind() async throws {
        try await withTestApp { app in
            try await SchemaCheck.requireMigrated(app)
            try await app.autoRevert()
            let error = await #expect(throws: SchemaBehind.self) { try await SchemaCheck.requireMigrated(app) }
            guard case .pending(let count, let first)? = error else {
                Issue.record("expected .pending, got \(String(describing: error))")
                return
            }
            #expect(count > 10)
            #expect(first == "App.CreateInstallations")
            try await app.autoMigrate()
            try await SchemaCheck.requireMigrated(app)
        }
    }

    @Test("PostgreSQL: a database nobody migrated, and the server's own words for other errors",
          .enabled(if: testsRunOnPostgres && testPostgresURL != nil))
    func neverMigrated() async throws {
        try await withFreshDatabase(try #require(testPostgresURL)) { fresh in
            // An explicit DATABASE_URL: `withTestApp` leaves this database unmigrated.
            try await withTestApp(["DATABASE_URL": fresh]) { app in
                let error = await #expect(throws: SchemaBehind.self) { try await SchemaCheck.requireMigrated(app) }
                #expect(error == .neverMigrated)

                let server = await #expect(throws: PSQLError.self) {
                    try await (app.db as! any SQLDatabase).raw("SELECT 1 FROM no_such_table").run()
                }
                let line = try StartupFailure.describe(#require(server))
                #expect(line == #"PostgreSQL: relation "no_such_table" does not exist (SQLSTATE 42P01); check database.url"#)
            }
        }
    }
}

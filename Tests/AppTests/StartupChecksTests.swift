import Fluent
import FluentPostgresDriver
import Foundation
import Logging
import SQLKit
import TestSupport
import Testing
import Vapor

@testable import App

/// What `hrbridge` says when its database is not ready (a PostgreSQL that is down or
/// misnamed, a schema `hrbridge migrate` has not brought up to this build), and how its logs
/// name database errors.
@Suite("Start-up checks and database errors in words")
struct StartupChecksTests {
    @Test("a PostgreSQL nobody listens on is named, with what to check")
    func unreachable() async throws {
        let port = try freePort()
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: "u", password: "p",
            database: "d", tls: .disable)
        let error = await #expect(throws: PSQLError.self) {
            _ = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
        }
        let line = try ErrorText.startup(#require(error))
        #expect(line.hasPrefix("cannot connect to PostgreSQL ("))
        #expect(line.contains(":\(port)"))
        #expect(line.hasSuffix("is database.url right?"))
        #expect(!line.contains("Generic description"))
        // A running service's log says the same.
        let logged = try ErrorText.log(#require(error))
        #expect(logged.hasPrefix("PostgreSQL unreachable ("))
        #expect(logged.contains(":\(port)"))
    }

    @Test("in a running service's log: SQLite's message, PostgreSQL's SQLSTATE without its message, other errors' type")
    func logged() async throws {
        struct Boom: Error {}
        #expect(ErrorText.log(Boom()) == String(reflecting: Boom.self))
        try await withTestApp { app in
            let error = await #expect(throws: (any Error).self) {
                try await (app.db as! any SQLDatabase).raw("SELECT secret_value FROM no_such_table").run()
            }
            let line = try ErrorText.log(#require(error))
            if testsRunOnPostgres {
                // PostgreSQL's message may quote a value a statement carried; only the code is logged.
                #expect(line == "PostgreSQL error, SQLSTATE 42P01")
            } else {
                #expect(line.hasPrefix("SQLite: "))
                #expect(line.contains("no such table: no_such_table"))
            }
        }
    }

    @Test("errors of our own keep their words")
    func ours() {
        #expect(ErrorText.startup(ConfigError(key: "http.port", "bad")) == "configuration error: http.port: bad")
        #expect(ErrorText.startup(SchemaBehind.neverMigrated).contains("hrbridge migrate --yes"))
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

    @Test(
        "PostgreSQL: a database nobody migrated, and the server's own words for other errors",
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
                let line = try ErrorText.startup(#require(server))
                #expect(line == #"PostgreSQL: relation "no_such_table" does not exist (SQLSTATE 42P01); check database.url"#)
            }
        }
    }
}

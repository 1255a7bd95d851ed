import Fluent
import Foundation
import Logging
import SQLKit
import Testing
import Vapor

@testable import App

/// A process started with another master key than the one the database's secrets are sealed
/// with stops at start-up, naming `security.master_key`; on PostgreSQL the key is never generated.
@Suite("Master-key check")
struct MasterKeyCheckTests {
    static let otherKey = Data(repeating: 9, count: 32).base64EncodedString()

    /// One database that several apps open in turn: a SQLite file, or a fresh PostgreSQL database.
    func withSharedDatabase(_ body: (String) async throws -> Void) async throws {
        if testsRunOnPostgres {
            return try await withFreshDatabase(try #require(testPostgresURL), body)
        }
        let dir = NSTemporaryDirectory() + "hrbridge-keycheck-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body("sqlite://\(dir)/shared.sqlite")
    }

    func withApp(_ url: String, key: String, previous: String? = nil, _ body: (Application) async throws -> Void) async throws {
        var overrides = ["DATABASE_URL": url, "SECURITY_MASTER_KEY": key]
        if let previous { overrides["SECURITY_PREVIOUS_MASTER_KEYS"] = previous }
        try await withTestApp(overrides) { app in
            // SQLite migrates in configure; PostgreSQL deployments run `hrbridge migrate`.
            if url.hasPrefix("postgres") { try await app.autoMigrate() }
            try await body(app)
        }
    }

    func storedCheck(_ app: Application) async throws -> String? {
        try await (app.db as! any SQLDatabase).select().column("value").from("settings").where("name", .equal, SQLBind(MasterKeyCheck.name))
            .first()?.decode(column: "value", as: String.self)
    }

    @Test("the first start seals the check; the same key passes again")
    func sameKey() async throws {
        try await withSharedDatabase { url in
            try await withApp(url, key: testMasterKey) { app in
                try await MasterKeyCheck.verify(app)
                let sealed = try #require(try await storedCheck(app))
                #expect(SecretBox.keyID(ofSealed: sealed) == app.services.secretBox.currentKeyID)
            }
            try await withApp(url, key: testMasterKey) { app in try await MasterKeyCheck.verify(app) }
        }
    }

    @Test("a second app with another master key stops with one line naming security.master_key and both key ids")
    func otherKey() async throws {
        try await withSharedDatabase { url in
            var first = ""
            try await withApp(url, key: testMasterKey) { app in
                try await MasterKeyCheck.verify(app)
                first = app.services.secretBox.currentKeyID
            }
            try await withApp(url, key: Self.otherKey) { app in
                let error = await #expect(throws: ConfigError.self) { try await MasterKeyCheck.verify(app) }
                let line = "\(try #require(error))"
                #expect(error?.key == "security.master_key")
                #expect(line.hasPrefix("configuration error: security.master_key: differs from the key this database's secrets are sealed with"))
                #expect(line.contains("key id \(first)") && line.contains("key id \(app.services.secretBox.currentKeyID)"))
                #expect(!line.contains(Self.otherKey) && !line.contains(testMasterKey) && !line.contains("\n"))
            }
        }
    }

    @Test("after a rotation the previous master key passes; dropping it, while secrets are sealed with it, stops start-up")
    func previousKey() async throws {
        try await withSharedDatabase { url in
            try await withApp(url, key: testMasterKey) { app in try await MasterKeyCheck.verify(app) }
            try await withApp(url, key: Self.otherKey, previous: testMasterKey) { app in
                try await MasterKeyCheck.verify(app)
                // Not re-sealed: the stored secrets are not either.
                let sealed = try #require(try await storedCheck(app))
                #expect(SecretBox.keyID(ofSealed: sealed) != app.services.secretBox.currentKeyID)
            }
            try await withApp(url, key: Self.otherKey) { app in
                await #expect(throws: ConfigError.self) { try await MasterKeyCheck.verify(app) }
            }
        }
    }

    @Test("a database from before the check: a stored token sealed with another key stops start-up too")
    func earlierDatabase() async throws {
        try await withSharedDatabase { url in
            try await withApp(url, key: testMasterKey) { app in
                let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
                try InstallationSecrets(box: app.services.secretBox).storeToken(String(repeating: "t", count: 40), in: installation)
                try await installation.save(on: app.db)
            }
            try await withApp(url, key: Self.otherKey) { app in
                await #expect(throws: ConfigError.self) { try await MasterKeyCheck.verify(app) }
                let check = try await storedCheck(app)
                #expect(check == nil)
            }
            try await withApp(url, key: testMasterKey) { app in
                try await MasterKeyCheck.verify(app)
                let check = try await storedCheck(app)
                #expect(check != nil)
            }
        }
    }

    @Test("PostgreSQL without security.master_key is a configuration error; nothing is generated")
    func notGeneratedOnPostgres() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-secrets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try await TestConfig.load([
            "DATA_DIR": dir, "ADMIN_PASSWORD": "a-long-admin-password",
            "DATABASE_URL": "postgres://hrbridge@127.0.0.1:5432/hrbridge?sslmode=disable",
        ])
        let error = #expect(throws: ConfigError.self) { try GeneratedSecrets.resolve(config, logger: Logger(label: "test")) }
        #expect(error?.key == "security.master_key")
        #expect(error?.problem.contains("is required with PostgreSQL") == true)
        #expect(!FileManager.default.fileExists(atPath: dir + "/master.key"))
        // A key an earlier version generated there is pointed to, not used.
        try "\(testMasterKey)\n".write(toFile: dir + "/master.key", atomically: true, encoding: .utf8)
        let again = #expect(throws: ConfigError.self) { try GeneratedSecrets.resolve(config, logger: Logger(label: "test")) }
        #expect(again?.problem.contains("\(dir)/master.key") == true)
    }
}

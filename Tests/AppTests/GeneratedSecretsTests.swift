import Foundation
import Logging
import Testing

@testable import App

@Suite("Generated secrets")
struct GeneratedSecretsTests {
    @Test("an empty master key and admin password are generated once, private, and reused")
    func generateOnce() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-secrets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try await TestConfig.load(["DATA_DIR": dir])
        let logs = LogStore()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(store: logs) }

        let first = try GeneratedSecrets.resolve(config, logger: logger)
        #expect(first.security.masterKey.count == 32)
        #expect(first.adminPassword.count == 20)
        #expect(logs.all.contains { $0.contains("security.master_key is empty") })
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/master.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The directory it made too: the SQLite file with everyone's HR records goes in there.
        let directory = try FileManager.default.attributesOfItem(atPath: dir)
        #expect((directory[.posixPermissions] as? Int) == 0o700)

        let second = try GeneratedSecrets.resolve(config, logger: logger)
        #expect(second.security.masterKey == first.security.masterKey)
        #expect(second.adminPassword == first.adminPassword)
        #expect(logs.all.filter { $0.contains("security.master_key is empty") }.count == 1)
    }

    @Test("an existing data directory keeps the mode its operator gave it")
    func existingDirectory() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-secrets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        _ = try GeneratedSecrets.resolve(try await TestConfig.load(["DATA_DIR": dir]), logger: Logger(label: "test"))
        let directory = try FileManager.default.attributesOfItem(atPath: dir)
        #expect((directory[.posixPermissions] as? Int) == 0o750)
    }

    @Test("configured secrets are used as they are, nothing written")
    func configured() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-secrets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try await TestConfig.load(["DATA_DIR": dir, "SECURITY_MASTER_KEY": testMasterKey, "ADMIN_PASSWORD": "pw-of-12-chars"])
        let resolved = try GeneratedSecrets.resolve(config, logger: Logger(label: "test"))
        #expect(resolved.security.masterKey.base64EncodedString() == testMasterKey)
        #expect(resolved.adminPassword == "pw-of-12-chars")
        #expect(!FileManager.default.fileExists(atPath: dir + "/master.key"))
    }

    @Test("a corrupt master.key file stops start-up with the key named")
    func corrupt() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-secrets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "garbage".write(toFile: dir + "/master.key", atomically: true, encoding: .utf8)
        let config = try await TestConfig.load(["DATA_DIR": dir, "ADMIN_PASSWORD": "pw-of-12-chars"])
        let error = #expect(throws: ConfigError.self) { try GeneratedSecrets.resolve(config, logger: Logger(label: "test")) }
        #expect(error?.key.hasPrefix("security.master_key") == true)
    }
}

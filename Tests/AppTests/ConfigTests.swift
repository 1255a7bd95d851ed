import Configuration
import Foundation
import Testing
import Vapor

@testable import App

@Suite("Configuration")
struct ConfigTests {
    /// The key a bad setting is reported under, or nil when it loads.
    func failingKey(_ overrides: [String: String]) async throws -> String? {
        do {
            _ = try await TestConfig.load(overrides)
            return nil
        } catch let error as ConfigError {
            return error.key
        }
    }

    @Test("defaults: port 8080, SQLite in data/, the sandbox, the configured data fields")
    func defaults() async throws {
        let config = try await TestConfig.load()
        #expect(config.http.port == 8080)
        #expect(config.http.host == "127.0.0.1")
        #expect(config.publicBaseURL == "http://127.0.0.1:8080")
        #expect(config.dataDirectory == "data")
        #expect(config.database == .sqlite(path: "data/hrbridge.sqlite"))
        #expect(config.oneflow.usesSandbox)
        #expect(config.security.masterKey.isEmpty)
        #expect(config.adminPassword.isEmpty)
        #expect(config.apiKeys.isEmpty)
        #expect(config.setup.tokenParameter == "token")
        #expect(config.extensionSettings.templateGroupName == "HR Bridge")
        #expect(
            config.extensionSettings.dataFields.first
                == .init(
                    customID: "employee_number", name: "Employee number",
                    description: "The employee's id in the HR system", placeholder: "e.g. 10023"))
        #expect(config.extensionSettings.dataFields.count == 8)
        #expect(config.extensionSettings.eventTypes.contains("contract:sign"))
        #expect(config.mapping["start_date"] == .startDate)
        #expect(config.notify.endpoint == nil)
        #expect(config.notify.connectionTimeoutSeconds == 30)
        #expect(config.sync.reconcileIntervalSeconds == 900)
        #expect(config.logLevel == "info")
    }

    @Test("environment variables override: HTTP_PORT moves the default public URL along")
    func environment() async throws {
        let config = try await TestConfig.load([
            "HTTP_PORT": "9090", "API_KEYS": "k1-0123456789abcdef0123456789abcdef, k2-0123456789abcdef0123456789abcdef",
            "EXTENSION_EVENT_TYPES": "contract:sign,contract:decline",
            "NOTIFY_ENDPOINT": "https://hr.example.com/hook/", "NOTIFY_CONNECTION_TIMEOUT": "PT1M30S",
            "ONEFLOW_BASE_URL": "https://api.oneflow.com", "DATABASE_URL": "postgres://u:p@db.internal:5432/hr",
        ])
        #expect(config.http.port == 9090)
        #expect(config.publicBaseURL == "http://127.0.0.1:9090")
        #expect(config.apiKeys == ["k1-0123456789abcdef0123456789abcdef", "k2-0123456789abcdef0123456789abcdef"])
        #expect(config.extensionSettings.eventTypes == ["contract:sign", "contract:decline"])
        #expect(config.notify.endpoint == "https://hr.example.com/hook")
        #expect(config.notify.connectionTimeoutSeconds == 90)
        #expect(config.oneflow.baseURL == "https://api.oneflow.com")
        #expect(!config.oneflow.usesSandbox)
        #expect(config.database == .postgres(url: "postgres://u:p@db.internal:5432/hr"))
    }

    @Test(
        "a bad value names its key",
        arguments: [
            (["HTTP_PORT": "abc"], "http.port"),
            (["HTTP_PORT": "70000"], "http.port"),
            (["HTTP_PORT": "0"], "http.port"),
            (["PUBLIC_BASE_URL": "not a url"], "public.base_url"),
            (["PUBLIC_BASE_URL": "ftp://files.example.com"], "public.base_url"),
            (["DATABASE_URL": "mysql://u@h/db"], "database.url"),
            (["DATABASE_URL": "nonsense"], "database.url"),
            (["ONEFLOW_BASE_URL": "api.oneflow.com"], "oneflow.base_url"),
            (["ONEFLOW_TIMEOUT_SECONDS": "-1"], "oneflow.timeout_seconds"),
            (["SECURITY_MASTER_KEY": "too-short"], "security.master_key"),
            (["MAPPING_SALARY": "wage"], "mapping.salary"),
            (["EXTENSION_EVENT_TYPES": "sign"], "extension.event_types"),
            (["EXTENSION_DATA_FIELDS": "Bad Id"], "extension.data_fields"),
            (["EXTENSION_DATA_FIELDS": "a,a"], "extension.data_fields"),
            (["NOTIFY_CONNECTION_TIMEOUT": "30s"], "notify.connection_timeout"),
            (["NOTIFY_ENDPOINT": "hr.example.com"], "notify.endpoint"),
            (["LOG_LEVEL": "loud"], "log.level"),
            (["SYNC_WORKER_ENABLED": "maybe"], "sync.worker_enabled"),
            (["NOTIFY_CA_FILE": "/nonexistent/ca.pem"], "notify.ca_file"),
            (["NOTIFY_CLIENT_CERTIFICATE_FILE": "/etc/hostname"], "notify.client_key_file"),
            (["ADMIN_PASSWORD": "short-11chr"], "admin.password"),
            (["API_KEYS": "0123456789abcdef0123456789abcde"], "api.keys"),
            (["SANDBOX_ENABLED": "maybe"], "sandbox.enabled"),
            // An empty oneflow.base_url (the sandbox) on a deployment that is not local.
            (["HTTP_HOST": "0.0.0.0"], "oneflow.base_url"),
            (["PUBLIC_BASE_URL": "https://hr.example.com"], "oneflow.base_url"),
            (["SANDBOX_ENABLED": "false"], "oneflow.base_url"),
        ])
    func badValue(overrides: [String: String], key: String) async throws {
        #expect(try await failingKey(overrides) == key)
    }

    @Test("the error is one line that starts with the key")
    func errorText() {
        let error = ConfigError(key: "http.port", "expected a port number (1–65535)")
        #expect("\(error)" == "configuration error: http.port: expected a port number (1–65535)")
        #expect(!"\(error)".contains("\n"))
    }

    @Test("config/local.json overrides the defaults; the environment overrides both")
    func precedence() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-config-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: packageRoot + "/config/default.json", toPath: dir + "/default.json")
        try #"{"http": {"port": 7000, "host": "0.0.0.0"}, "sandbox": {"enabled": true}, "extension": {"template_group_name": "Onboarding"}}"#
            .write(toFile: dir + "/local.json", atomically: true, encoding: .utf8)
        let config = try AppConfig.load(from: try await AppConfig.standardProviders(configDirectory: dir, environment: ["HTTP_PORT": "7001"]))
        #expect(config.http.port == 7001)
        #expect(config.http.host == "0.0.0.0")
        #expect(config.extensionSettings.templateGroupName == "Onboarding")
        // Without local.json, the defaults alone.
        try FileManager.default.removeItem(atPath: dir + "/local.json")
        let plain = try AppConfig.load(from: try await AppConfig.standardProviders(configDirectory: dir, environment: [:]))
        #expect(plain.http.port == 8080)
    }

    @Test("a missing default.json is reported, not a crash")
    func missingDefaults() async throws {
        let error = await #expect(throws: ConfigError.self) {
            _ = try await AppConfig.standardProviders(configDirectory: "/nonexistent-dir", environment: [:])
        }
        #expect(error?.key == "config")
    }

    @Test("the project directory holds every file serve reads; a copy without one names it")
    func shippedFiles() throws {
        try ShippedFiles.check(DirectoryConfiguration(workingDirectory: packageRoot + "/"))

        let dir = NSTemporaryDirectory() + "hrbridge-ship-" + UUID().uuidString + "/"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for folder in ["config", "Resources", "Public"] {
            try FileManager.default.copyItem(atPath: packageRoot + "/" + folder, toPath: dir + folder)
        }
        let copy = DirectoryConfiguration(workingDirectory: dir)
        try ShippedFiles.check(copy)
        // Each directory a deployment might forget, one at a time.
        for missing in ["Resources/Views", "Resources/openapi.json", "Public"] {
            try FileManager.default.moveItem(atPath: dir + missing, toPath: dir + "aside")
            let error = #expect(throws: ConfigError.self) { try ShippedFiles.check(copy) }
            #expect(error?.key == "working directory")
            #expect(error?.problem.hasPrefix(dir + missing) == true)
            try FileManager.default.moveItem(atPath: dir + "aside", toPath: dir + missing)
        }
    }

    @Test("a malformed local.json is reported under its name")
    func malformedLocal() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-config-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: packageRoot + "/config/default.json", toPath: dir + "/default.json")
        try "{ not json".write(toFile: dir + "/local.json", atomically: true, encoding: .utf8)
        let error = await #expect(throws: ConfigError.self) {
            _ = try await AppConfig.standardProviders(configDirectory: dir, environment: [:])
        }
        #expect(error?.key == "config")
        #expect(error?.problem.contains("local.json") == true)
    }

    @Test("ISO-8601 durations", arguments: [("PT30S", 30), ("PT1M", 60), ("PT1H2M3S", 3723), ("P1D", 86400), ("P1DT1S", 86401), ("pt5s", 5)])
    func durations(text: String, seconds: Int) throws {
        #expect(try ConfigValidation.isoDuration(text, key: "k") == seconds)
    }

    @Test("invalid durations", arguments: ["", "P", "PT", "30", "PT0S", "P1H", "PTS", "PT1X"])
    func badDurations(text: String) {
        #expect(throws: ConfigError.self) { try ConfigValidation.isoDuration(text, key: "k") }
    }
}

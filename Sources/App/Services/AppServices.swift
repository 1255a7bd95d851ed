import Fluent
import OneflowAPI
import SQLiteStorage
import Vapor

/// The application's long-lived dependencies, built once in `configure` and handed to
/// controllers and commands that need them.
public struct AppServices: Sendable {
    public let config: AppConfig
    public let oneflow: any OneflowClient
    public let secretBox: SecretBox
    /// The time every feature reads (`SystemClock` in a process; tests move their own).
    public let clock: any AppClock
    let metrics: AppMetrics
    /// How the configured database is written (`DatabaseWriter`), chosen once here.
    let storage: AppStorage
    /// Installations' sign keys for the webhook ack path; a sign-key rotation in this process
    /// drops the installation's entry.
    let webhookKeys: WebhookKeyCache
    /// Where each installation's notifications go (`notify.*` is its fallback).
    let notificationTargets: NotificationTargets
    /// POSTs to HR systems: notifications, and the test POST of a target being saved.
    /// Shut down with the application (`OutboundHTTPShutdown`).
    let outboundHTTP: any OutboundHTTP

    public init(config: AppConfig, oneflow: any OneflowClient, clock: any AppClock = SystemClock()) throws(ConfigError) {
        guard config.security.masterKey.count == 32 else {
            throw ConfigError(key: "security.master_key", "is not set; run GeneratedSecrets.resolve or set a 32-byte base64 key")
        }
        self.config = config
        self.oneflow = oneflow
        self.clock = clock
        webhookKeys = WebhookKeyCache(clock: clock)
        let metrics = AppMetrics()
        self.metrics = metrics
        storage = AppStorage(
            config.database, busyTimeoutMilliseconds: config.sqliteBusyTimeoutMilliseconds, gate: WriteGate(observe: metrics.sqliteWriteHeld))
        self.secretBox = SecretBox(masterKey: config.security.masterKey, previousKeys: config.security.previousMasterKeys)
        notificationTargets = NotificationTargets(fallback: try NotificationDestination(settings: config.notify), box: secretBox)
        outboundHTTP = LiveOutboundHTTP()
    }
}

extension AppServices {
    /// An installation's own notification target, saved and removed on `db`.
    func notificationTargetSettings(on db: any Database) -> NotificationTargetSettings {
        NotificationTargetSettings(db: db, writer: storage.writer(on: db), targets: notificationTargets, http: outboundHTTP, clock: clock)
    }
}

extension Application {
    private struct ServicesKey: StorageKey {
        typealias Value = AppServices
    }

    /// Set once by `configure`; commands (`migrate`, `replay`, …) read it from here.
    public var services: AppServices {
        get {
            guard let services = storage[ServicesKey.self] else { fatalError("configure(_:config:) has not run") }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension MasterKeyCheck {
    /// Run by `hrbridge` once the schema is there (SQLite: after `configure`; PostgreSQL:
    /// after `SchemaCheck`); tests call it directly.
    public static func verify(_ app: Application) async throws {
        let (box, logger) = (app.services.secretBox, app.logger)
        try await app.services.storage.writer(on: app.db).write(.background) { db in try await verify(db, box: box, logger: logger) }
    }
}

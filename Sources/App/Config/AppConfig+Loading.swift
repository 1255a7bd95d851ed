import Configuration
import Foundation
import SystemPackage

extension AppConfig {
    /// The standard sources, highest precedence first: environment variables
    /// (`http.port` ↔ `HTTP_PORT`), `config/local.json` (optional), `config/default.json`.
    public static func standardProviders(
        configDirectory: String = "config", environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(ConfigError) -> [any ConfigProvider] {
        let defaults = configDirectory + "/default.json"
        let local = configDirectory + "/local.json"
        guard FileManager.default.fileExists(atPath: defaults) else {
            throw ConfigError(key: "config", "\(defaults) not found; \(ShippedFiles.whereToRun)")
        }
        do {
            let localProvider = try await FileProvider<JSONSnapshot>(filePath: FilePath(local), allowMissing: true)
            let defaultProvider = try await FileProvider<JSONSnapshot>(filePath: FilePath(defaults))
            return [EnvironmentVariablesProvider(environmentVariables: environment), localProvider, defaultProvider]
        } catch {
            throw ConfigError(key: "config", "could not read \(local) or \(defaults): \(error)")
        }
    }

    /// Builds and validates the configuration. Generated secrets (master key, admin
    /// password) are resolved separately by `GeneratedSecrets`, which may write files.
    public static func load(from providers: [any ConfigProvider]) throws(ConfigError) -> AppConfig {
        let r = SettingsReader(reader: ConfigReader(providers: providers))
        let port = try r.int("http.port", in: 1...65535, what: "a port number")
        let dataDirectory = try r.string("data.dir")
        guard !dataDirectory.isEmpty else { throw ConfigError(key: "data.dir", "must not be empty") }
        let publicBaseURL =
            try r.optionalString("public.base_url").map { url throws(ConfigError) in
                try ConfigValidation.httpURL(url, key: "public.base_url")
            } ?? "http://127.0.0.1:\(port)"

        let adminPassword = try r.optionalString("admin.password", secret: true) ?? ""
        // Empty: generated (20 characters) by `GeneratedSecrets`. A chosen one must resist guessing.
        guard adminPassword.isEmpty || adminPassword.count >= 12 else {
            throw ConfigError(key: "admin.password", "is shorter than 12 characters; choose a longer one (or leave it empty to generate one)")
        }
        let apiKeys = try r.stringArray("api.keys")
        for key in apiKeys where key.count < 32 {
            throw ConfigError(key: "api.keys", "a key of \(key.count) characters is too short; each needs at least 32 (e.g. `openssl rand -hex 32`)")
        }
        let host = try r.string("http.host")
        let oneflowBaseURL = try r.optionalString("oneflow.base_url").map { url throws(ConfigError) in
            try ConfigValidation.httpURL(url, key: "oneflow.base_url")
        }
        let sandboxEnabled = try r.optionalBool("sandbox.enabled")
        if oneflowBaseURL == nil {
            try ConfigValidation.sandboxAllowed(enabled: sandboxEnabled, host: host, publicBaseURL: publicBaseURL)
        }

        return AppConfig(
            http: HTTP(
                host: host, port: port,
                idleTimeoutSeconds: try r.int("http.idle_timeout_seconds", in: 1...3600, what: "a number of seconds"),
                headDeadlineSeconds: try r.int("http.head_deadline_seconds", in: 1...3600, what: "a number of seconds"),
                webhookDeadlineSeconds: try r.int("http.webhook_deadline_seconds", in: 1...3600, what: "a number of seconds"),
                requestDeadlineSeconds: try r.int("http.request_deadline_seconds", in: 1...3600, what: "a number of seconds"),
                trustedProxies: try r.stringArray("http.trusted_proxies")),
            publicBaseURL: publicBaseURL,
            dataDirectory: dataDirectory,
            database: try ConfigValidation.database(try r.optionalString("database.url", secret: true), dataDirectory: dataDirectory),
            sqliteBusyTimeoutMilliseconds: try r.int("database.sqlite_busy_timeout_ms", in: 1...600_000),
            oneflow: Oneflow(
                baseURL: oneflowBaseURL,
                timeoutSeconds: try r.int("oneflow.timeout_seconds", in: 1...600),
                userEmail: try r.optionalString("oneflow.user_email")
            ),
            security: Security(
                masterKey: try ConfigValidation.masterKey(try r.optionalString("security.master_key", secret: true), key: "security.master_key")
                    ?? Data(),
                previousMasterKeys: try r.stringArray("security.previous_master_keys").map { key throws(ConfigError) in
                    try ConfigValidation.masterKey(key, key: "security.previous_master_keys")!
                }
            ),
            adminPassword: adminPassword,
            apiKeys: apiKeys,
            setup: try loadSetup(r),
            extensionSettings: try loadExtension(r),
            mapping: try loadMapping(r),
            notify: try loadNotify(r),
            sending: try loadSending(r),
            sync: Sync(
                workerEnabled: try r.bool("sync.worker_enabled"),
                workerConcurrency: try r.int("sync.worker_concurrency", in: 1...64),
                batchSize: try r.int("sync.batch_size", in: 1...500),
                maxAttempts: try r.int("sync.max_attempts", in: 1...100),
                reconcileIntervalSeconds: try r.int("sync.reconcile_interval", in: 0...7 * 86400),
                pollIntervalMilliseconds: try r.int("sync.poll_interval_ms", in: 1...60_000),
                leaseSeconds: try r.int("sync.lease_seconds", in: 1...86400),
                retryBaseSeconds: try r.double("sync.retry_base_seconds", in: 0.001...3600),
                shutdownGraceSeconds: try r.int("sync.shutdown_grace_seconds", in: 0...3600)
            ),
            retention: try loadRetention(r),
            sandbox: SandboxSettings(
                setupURL: try r.optionalString("sandbox.setup_url").map { url throws(ConfigError) in
                    try ConfigValidation.httpURL(url, key: "sandbox.setup_url")
                },
                retryScale: try r.double("sandbox.retry_scale", in: 0.000001...1000),
                rateLimit: try r.int("sandbox.rate_limit", in: 0...1_000_000_000),
                persist: try r.bool("sandbox.persist"),
                enabled: sandboxEnabled
            ),
            logLevel: try ConfigValidation.logLevel(try r.string("log.level")),
            metricsToken: try r.optionalString("metrics.token", secret: true)
        )
    }

    private static func loadSetup(_ r: SettingsReader) throws(ConfigError) -> Setup {
        let mode = try r.string("setup.accept")
        guard let accept = Setup.Accept(rawValue: mode) else {
            throw ConfigError(key: "setup.accept", "must be one of \(Setup.Accept.allCases.map(\.rawValue).joined(separator: ", ")), not \(mode)")
        }
        var allowed: Set<Int> = []
        for id in try r.stringArray("setup.allowed_accounts") {
            guard let number = Int(id), number > 0 else {
                throw ConfigError(key: "setup.allowed_accounts", "must list Oneflow account ids (whole numbers), not \(id)")
            }
            allowed.insert(number)
        }
        return Setup(
            tokenParameter: try r.string("setup.token_parameter"),
            signKeyGraceSeconds: try r.int("setup.sign_key_grace_seconds", in: 0...30 * 86400), accept: accept, allowedAccounts: allowed,
            linkValidHours: try r.int("setup.link_valid_hours", in: 1...30 * 24))
    }

    private static func loadExtension(_ r: SettingsReader) throws(ConfigError) -> ExtensionSettings {
        let ids = try r.stringArray("extension.data_fields")
        guard !ids.isEmpty else { throw ConfigError(key: "extension.data_fields", "list at least one data field") }
        guard Set(ids).count == ids.count else {
            throw ConfigError(key: "extension.data_fields", "custom ids must be unique within the template group")
        }
        var fields: [DataFieldSpec] = []
        for id in ids {
            try ConfigValidation.customID(id)
            let prefix = "extension.data_field.\(id)"
            fields.append(
                DataFieldSpec(
                    customID: id,
                    name: try r.optionalString("\(prefix).name") ?? id,
                    description: try r.optionalString("\(prefix).description") ?? "",
                    placeholder: try r.optionalString("\(prefix).placeholder") ?? "",
                    required: try r.optionalBool("\(prefix).required") ?? false,
                    format: try format(r, "\(prefix).format")
                ))
        }
        let events = try r.stringArray("extension.event_types")
        // Oneflow accepts 1–50 values per filter rule (https://developer.oneflow.com/reference/create-a-webhook).
        guard (1...50).contains(events.count) else {
            throw ConfigError(key: "extension.event_types", "list between 1 and 50 event types")
        }
        for event in events where !event.contains(":") {
            throw ConfigError(key: "extension.event_types", "'\(event)' is not an event type like contract:sign")
        }
        let name = try r.string("extension.template_group_name")
        guard !name.isEmpty else { throw ConfigError(key: "extension.template_group_name", "must not be empty") }
        return ExtensionSettings(
            templateGroupName: name,
            templateGroupDescription: try r.optionalString("extension.template_group_description") ?? "",
            dataFields: fields,
            eventTypes: events,
            returnURL: try ConfigValidation.httpURL(try r.string("extension.return_url"), key: "extension.return_url")
        )
    }

    private static func format(_ r: SettingsReader, _ key: String) throws(ConfigError) -> DataFieldSpec.ValueFormat {
        guard let text = try r.optionalString(key) else { return .text }
        guard let format = DataFieldSpec.ValueFormat(rawValue: text) else {
            throw ConfigError(
                key: key, "'\(text)' is not a format; expected one of \(DataFieldSpec.ValueFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }

    private static func loadRetention(_ r: SettingsReader) throws(ConfigError) -> Retention {
        let days = 0...36_500
        return Retention(
            deliveryPayloadDays: try r.int("retention.delivery_payload_days", in: days, what: "a number of days (0: keep)"),
            deliveryDays: try r.int("retention.delivery_days", in: days, what: "a number of days (0: keep)"),
            jobDays: try r.int("retention.job_days", in: days, what: "a number of days (0: keep)"),
            notificationDays: try r.int("retention.notification_days", in: days, what: "a number of days (0: keep)"),
            setupRequestDays: try r.int("retention.setup_request_days", in: days, what: "a number of days (0: keep)"),
            disconnectedDays: try r.int("retention.disconnected_days", in: days, what: "a number of days (0: keep)"),
            intervalSeconds: try r.int("retention.interval_seconds", in: 1...86400, what: "a number of seconds"),
            batchSize: try r.int("retention.batch_size", in: 1...10_000))
    }

    private static func loadSending(_ r: SettingsReader) throws(ConfigError) -> Sending {
        let subject = try r.string("sending.subject")
        guard !subject.isEmpty, subject.count <= 255 else { throw ConfigError(key: "sending.subject", "must be 1–255 characters") }
        let message = try r.string("sending.message")
        guard !message.isEmpty, message.count <= 10_000 else { throw ConfigError(key: "sending.message", "must be 1–10000 characters") }
        return Sending(
            subject: subject, message: message, maxWaitSeconds: try r.int("sending.max_wait_seconds", in: 0...60),
            batchRowsPerMinute: try r.int("sending.batch_rows_per_minute", in: 1...60_000),
            batchInFlight: try r.int("sending.batch_in_flight", in: 1...64), batchMaxRows: try r.int("sending.batch_max_rows", in: 1...10_000))
    }

    /// `mapping.<custom_id>` for each configured data field; a field without one is kept as a custom field.
    private static func loadMapping(_ r: SettingsReader) throws(ConfigError) -> [String: HRField] {
        var mapping: [String: HRField] = [:]
        for id in try r.stringArray("extension.data_fields") {
            guard let target = try r.optionalString("mapping.\(id)") else { continue }
            guard let field = HRField(rawValue: target) else {
                let known = HRField.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigError(key: "mapping.\(id)", "unknown HR field '\(target)'; expected one of \(known)")
            }
            mapping[id] = field
        }
        return mapping
    }

    private static func loadNotify(_ r: SettingsReader) throws(ConfigError) -> Notify {
        for key in ["notify.ca_file", "notify.client_certificate_file", "notify.client_key_file"] {
            if let path = try r.optionalString(key), !FileManager.default.isReadableFile(atPath: path) {
                throw ConfigError(key: key, "cannot read '\(path)'")
            }
        }
        guard (try r.optionalString("notify.client_certificate_file") == nil) == (try r.optionalString("notify.client_key_file") == nil) else {
            throw ConfigError(
                key: "notify.client_key_file", "a client certificate needs both notify.client_certificate_file and notify.client_key_file")
        }
        return Notify(
            endpoint: try r.optionalString("notify.endpoint").map { url throws(ConfigError) in
                try ConfigValidation.httpURL(url, key: "notify.endpoint")
            },
            key: try r.optionalString("notify.key", secret: true),
            secret: try r.optionalString("notify.secret", secret: true),
            connectionTimeoutSeconds: try ConfigValidation.isoDuration(try r.string("notify.connection_timeout"), key: "notify.connection_timeout"),
            caFile: try r.optionalString("notify.ca_file"),
            clientCertificateFile: try r.optionalString("notify.client_certificate_file"),
            clientKeyFile: try r.optionalString("notify.client_key_file")
        )
    }
}

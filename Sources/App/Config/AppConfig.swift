import Foundation

/// Every setting of HR Bridge, typed and validated, built once at the entry point
/// (`AppConfig.load`). Nothing else reads files or the environment for configuration.
/// Keys and defaults: `config/default.json`; the README lists them.
public struct AppConfig: Sendable {
    public var http: HTTP
    /// What Oneflow and browsers use to reach us, without a trailing slash.
    public var publicBaseURL: String
    /// The SQLite file and generated keys live here (and PDFs stored by earlier versions).
    public var dataDirectory: String
    public var database: Database
    /// How long an SQLite write waits for another connection's lock before it fails
    /// (and the ack path answers 503, so Oneflow retries). sqlite-nio would wait forever.
    public var sqliteBusyTimeoutMilliseconds: Int
    public var oneflow: Oneflow
    public var security: Security
    public var adminPassword: String
    public var apiKeys: [String]
    public var setup: Setup
    public var extensionSettings: ExtensionSettings
    /// Oneflow data-field `custom_id` → HR field.
    public var mapping: [String: HRField]
    public var notify: Notify
    public var sending: Sending
    public var sync: Sync
    public var retention: Retention = Retention()
    public var sandbox: SandboxSettings
    public var logLevel: String
    /// A bearer token `GET /metrics` requires; `nil` leaves it open (the local default).
    public var metricsToken: String?

    public struct HTTP: Sendable {
        public var host: String
        public var port: Int
        /// A connection with no traffic either way for this long is closed: a client that
        /// announces a body and never sends it does not hold a connection for ever. Longer
        /// than the slowest request (a setup makes several Oneflow calls).
        public var idleTimeoutSeconds: Int
        /// How long a request head (request line and headers) may take from its first byte: a
        /// client trickling it is closed then, whatever the idle timer says (`BoundedHTTPServer`).
        public var headDeadlineSeconds: Int
        /// How long a whole request, head and body, may take from its first byte, for the
        /// webhook route and for every other route: one not whole by then is answered 408
        /// and its connection closed, whatever the idle timer says (`BoundedHTTPServer`).
        public var webhookDeadlineSeconds: Int
        public var requestDeadlineSeconds: Int
        /// Addresses of reverse proxies whose `X-Forwarded-For` names the real client (for the
        /// sign-in throttle and its log lines). Empty: the connection's peer is the client.
        public var trustedProxies: [String]
    }

    public enum Database: Sendable, Equatable {
        case sqlite(path: String)
        case sqliteInMemory
        case postgres(url: String)

        public var kind: String {
            switch self {
            case .sqlite, .sqliteInMemory: "sqlite"
            case .postgres: "postgres"
            }
        }
    }

    public struct Oneflow: Sendable {
        /// The part before `/v1`; `nil` means the embedded sandbox.
        public var baseURL: String?
        public var timeoutSeconds: Int
        /// Sent as `x-oneflow-user-email` when set; otherwise calls run as Oneflow's anonymous admin.
        public var userEmail: String?
        public var usesSandbox: Bool { baseURL == nil }
    }

    public struct Security: Sendable {
        /// 32 bytes; encrypts tokens and sign keys at rest.
        public var masterKey: Data
        /// Earlier master keys, still accepted for decryption after a rotation.
        public var previousMasterKeys: [Data]
    }

    public struct Setup: Sendable {
        /// Query parameter Oneflow's "Automatic" setup redirect carries the token in.
        public var tokenParameter: String
        /// How long a rotated-out sign key stays valid.
        public var signKeyGraceSeconds: Int
        /// Which new Oneflow accounts may install (`setup.accept`).
        public var accept: Accept = .any
        /// `setup.allowed_accounts`: Oneflow account ids that may install under `allowlist`
        /// (more are added on the admin page).
        public var allowedAccounts: Set<Int> = []
        /// How long a connection link (`POST /api/v1/connect-links`) may be used.
        public var linkValidHours: Int = 72

        /// Who may install. An installation that exists may always set up again.
        public enum Accept: String, Sendable, CaseIterable {
            /// Any Oneflow account whose token works (the local two-command start's default).
            case any
            /// Only the accounts of `setup.allowed_accounts` and those allowed on the admin page.
            case allowlist
            /// A new account's setup waits until an admin approves it on the admin page.
            case approval
            /// A new account needs a one-time connection link the HR system asked for
            /// (`POST /api/v1/connect-links`), opened in the same browser before the setup.
            case link
        }
    }

    public struct ExtensionSettings: Sendable {
        public var templateGroupName: String
        public var templateGroupDescription: String
        public var dataFields: [DataFieldSpec]
        public var eventTypes: [String]
        /// Where "Back to Oneflow" goes after setup.
        public var returnURL: String
    }

    public struct DataFieldSpec: Sendable, Equatable {
        public var customID: String
        public var name: String
        public var description: String
        public var placeholder: String
        /// A contract request must give it a value (`extension.data_field.<id>.required`).
        /// Oneflow has no required data fields: this is our check, before the call.
        public var required: Bool = false
        /// What a contract request's value must look like (`extension.data_field.<id>.format`).
        public var format: ValueFormat = .text

        public enum ValueFormat: String, Sendable, CaseIterable {
            /// Anything up to Oneflow's 1,024 characters.
            case text
            /// `YYYY-MM-DD`, a real day.
            case date
            /// A number, e.g. `42000` or `37.5`.
            case number
        }
    }

    /// Defaults of contracts HR Bridge creates (`sending.*`): the invitation's subject and
    /// message, with placeholders `{first_name}`, `{name}`, `{start_date}`, `{job_title}`, `{company}`.
    public struct Sending: Sendable {
        public var subject: String
        public var message: String
        /// How long `Prefer: wait=N` may hold a contract request's answer, at most.
        public var maxWaitSeconds: Int
        /// A batch's rows started per minute, per installation: each row costs Oneflow two
        /// calls (create, publish) of the token's 2,000 per five minutes, so 100 leaves half of
        /// them to the webhooks' reads and single requests (`ContractBatchJobs`).
        public var batchRowsPerMinute: Int = 100
        /// A batch's rows being created or sent at once, per installation.
        public var batchInFlight: Int = 4
        /// Rows one batch may hold.
        public var batchMaxRows: Int = 1000
    }

    public struct Notify: Sendable {
        /// `nil` turns outbound notifications off.
        public var endpoint: String?
        public var key: String?
        public var secret: String?
        public var connectionTimeoutSeconds: Int
        public var caFile: String?
        public var clientCertificateFile: String?
        public var clientKeyFile: String?
    }

    /// The embedded Oneflow sandbox (used when `oneflow.base_url` is empty, or by `hrbridge sandbox`).
    public struct SandboxSettings: Sendable {
        /// Where the sandbox Marketplace sends the browser. nil: our own `/setup` when
        /// embedded, `http://127.0.0.1:8080/setup` (a default `serve`) when run alone.
        public var setupURL: String?
        /// 1.0 = Oneflow's real webhook retry timing; smaller values compress it (tests, demos).
        public var retryScale: Double
        /// Calls per Oneflow token per five minutes before the sandbox answers 429, as Oneflow
        /// does (2,000); 0: no limit (benchmarks).
        public var rateLimit: Int
        /// Keep the sandbox's accounts and contracts in `{data.dir}/sandbox.json` across restarts.
        /// Off: in memory only (benchmarks with thousands of contracts: the file is rewritten
        /// on every change).
        public var persist: Bool
        /// `sandbox.enabled`: nil = mount it only on a local deployment (see
        /// `ConfigValidation.sandboxAllowed`); true = mount it wherever; false = never.
        public var enabled: Bool?
    }

    public struct Sync: Sendable {
        public var workerEnabled: Bool
        public var workerConcurrency: Int
        /// Jobs one worker loop claims at once and runs together (`SyncPipeline`).
        public var batchSize: Int
        public var maxAttempts: Int
        public var reconcileIntervalSeconds: Int
        /// How often an idle worker looks for due jobs (each of its `workerConcurrency` loops).
        public var pollIntervalMilliseconds: Int
        /// How long a claimed job is a worker's; a worker that dies holds its jobs this long.
        public var leaseSeconds: Int
        /// First retry delay; it doubles per attempt (±25% jitter, at most an hour).
        public var retryBaseSeconds: Double
        /// On SIGTERM, how long running jobs may finish before they are handed back to the queue.
        public var shutdownGraceSeconds: Int
    }
}

extension AppConfig {
    /// How long each kind of stored row is kept (`retention.*`), in days; 0 keeps it for ever.
    /// The worker's retention job purges what is older (`RetentionPurge`).
    public struct Retention: Sendable, Equatable {
        /// A processed or ignored delivery's payload (its row stays, with what became of it).
        public var deliveryPayloadDays = 30
        /// A processed or ignored delivery's row. Failed and dead ones stay until replayed.
        public var deliveryDays = 90
        /// A job that succeeded. Dead jobs stay: they are replayable.
        public var jobDays = 7
        /// A notification the HR system took (sent). Failed and dead ones stay.
        public var notificationDays = 30
        /// A setup request nobody decided (approval mode), refused or superseded: its sealed token with it.
        /// An approved one stays (its setup may be tried again).
        public var setupRequestDays = 14
        /// After a disconnect, the installation's HR records and deliveries are erased
        /// (unless an admin chose to keep them); reconnecting before then cancels it.
        public var disconnectedDays = 30
        /// How often the retention job runs; sooner while a run leaves rows behind.
        public var intervalSeconds = 300
        /// The most rows one purge statement takes; each is sized to hold the write lock about
        /// `RetentionPurge.budget`, so an acknowledgement never waits long for it.
        public var batchSize = 500
    }
}

/// HR record fields a data field can be mapped to (`mapping` in config).
public enum HRField: String, CaseIterable, Sendable, Codable {
    case employeeNumber = "employee_number"
    case firstName = "first_name"
    case lastName = "last_name"
    case startDate = "start_date"
    case endDate = "end_date"
    case jobTitle = "job_title"
    case department
    case employmentType = "employment_type"
    case manager
    case address
    case birthDate = "birth_date"
    case salary
    case workLocation = "work_location"
}

extension AppConfig {
    /// Where a person opens a contract: Oneflow's app (the address third-party integrations
    /// link to, `shared/oneflow-contract-creation.md` §7), or the sandbox's contract page when
    /// the sandbox stands in for Oneflow.
    public func oneflowContractPage(_ contractID: Int) -> String {
        oneflow.usesSandbox ? "\(publicBaseURL)/sandbox/contracts/\(contractID)" : "https://app.oneflow.com/contracts/\(contractID)"
    }

    /// `oneflowContractPage`, as a function to hand on.
    public var oneflowContractPages: @Sendable (Int) -> String { { [self] in oneflowContractPage($0) } }

    /// `hrbridge sandbox` runs the sandbox whatever `oneflow.base_url` says: it too only on a
    /// local deployment, or with `sandbox.enabled=true`.
    public func requireSandboxAllowed() throws(ConfigError) {
        do {
            try ConfigValidation.sandboxAllowed(enabled: sandbox.enabled, host: http.host, publicBaseURL: publicBaseURL)
        } catch {
            throw ConfigError(
                key: "sandbox.enabled",
                "hrbridge sandbox serves a control API that lists live tokens, and may run only "
                    + "on a local deployment (loopback http.host, here '\(http.host)') or with sandbox.enabled=true")
        }
    }
}

extension AppConfig {
    /// Where a customer enables the extension: Oneflow's Marketplace (`extension.return_url`),
    /// or the embedded sandbox's when `oneflow.base_url` is empty.
    public var enableExtensionURL: String {
        oneflow.usesSandbox ? publicBaseURL + "/sandbox" : extensionSettings.returnURL
    }
}

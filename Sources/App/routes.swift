import Vapor

/// Every route of `hrbridge serve`, and who may reach it. (The sandbox registers its own
/// under `/sandbox` when it is mounted, `mountSandbox` in configure.swift.)
func routes(_ app: Application, config: AppConfig, services: AppServices, inbox: GroupCommitInbox) throws {
    try app.register(collection: HomeController(config: config))
    try app.register(collection: HealthController())

    // Browser sessions (the setup hand-over, the admin sign-in) live in the database, with
    // their lifetime enforced there; anonymous forms use the CSRF cookie instead.
    let https = config.publicBaseURL.hasPrefix("https://")
    app.sessions.use { _ in BrowserSessions(clock: services.clock, storage: services.storage) }
    app.sessions.configuration = sessionCookie(secure: https)
    let browser = app.grouped(app.sessions.middleware, CSRFCookieMiddleware(secure: https))
    try browser.register(collection: SetupController(services: services))
    try browser.register(collection: SetupSendingRoutes(services: services))
    try browser.register(
        collection: AdminAuthController(
            password: config.adminPassword, throttle: LoginThrottle(), trustedProxies: Set(config.http.trustedProxies), clock: services.clock))
    let admin = browser.grouped("admin").grouped(AdminGuard())
    let hrAPI = HRAPIController(
        apiKeys: config.apiKeys, secretBox: services.secretBox, dataDirectory: config.dataDirectory, storage: services.storage,
        clock: services.clock)
    try admin.register(
        collection: AdminActivityController(
            clock: services.clock, storage: services.storage, maxAttempts: config.sync.maxAttempts, retention: config.retention))
    try admin.register(collection: AdminEmployeesController(api: hrAPI, services: services))
    try admin.register(collection: AdminInstallationsController(services: services))
    try admin.register(collection: AdminOffboardingController(services: services))
    try admin.register(collection: AdminWhoMayInstallController(services: services))
    try admin.register(collection: AdminNotificationTargetController(services: services))
    try admin.register(collection: AdminNotificationsController(clock: services.clock, storage: services.storage, settings: config.notify))
    try admin.register(collection: AdminAuditController())
    try admin.register(collection: AdminContractRequestsController(services: services))
    try admin.register(collection: AdminBatchUploadController(services: services))
    try admin.register(collection: AdminContractBatchesController(services: services))
    try admin.register(collection: AdminNewContractController(services: services))
    try admin.register(collection: AdminSendingController(services: services))
    try admin.register(collection: AdminDataFieldsController(services: services))

    // Machines: Oneflow's notifications, the HR system's API, Prometheus.
    try app.register(
        collection: WebhookReceiver(
            clock: services.clock, metrics: services.metrics, secretBox: services.secretBox, inbox: inbox, installations: services.webhookKeys))
    try app.register(collection: hrAPI)
    try app.grouped("api", "v1").grouped(hrAPI.keys).register(collection: PersonalDataAPIController(services: services, records: hrAPI))
    try app.grouped("api", "v1").grouped(hrAPI.keys).register(collection: ConnectLinkAPIController(services: services))
    try app.grouped("api", "v1").grouped(hrAPI.keys).register(
        collection: ContractRequestAPIController(services: services, catalogs: app.sendingCatalogs))
    try app.grouped("api", "v1").grouped(hrAPI.keys).register(
        collection: ContractBatchAPIController(services: services, catalogs: app.sendingCatalogs))
    try app.grouped("api", "v1").grouped(hrAPI.keys).register(
        collection: FieldSetAPIController(services: services) { [catalogs = app.sendingCatalogs] in await catalogs.forget($0) })
    try app.register(
        collection: MetricsController(metrics: services.metrics, clock: services.clock, token: config.metricsToken) { db, now in
            try await JobQueue(db: db).depth(now: now)
        })
}

/// `hrbridge_session`: HTTP-only, SameSite=Lax (Oneflow's redirect to /setup is a top-level
/// navigation, which Lax allows). Over HTTPS it is Secure and named `__Host-hrbridge_session`,
/// which browsers accept only Secure, for path /, without a Domain: no sibling subdomain can
/// plant one. The server ends it (`BrowserSessions`); the cookie's Max-Age is only a hint.
private func sessionCookie(secure: Bool) -> SessionsConfiguration {
    SessionsConfiguration(cookieName: secure ? "__Host-hrbridge_session" : "hrbridge_session") { id in
        HTTPCookies.Value(
            string: id.string, maxAge: Int(BrowserSessions.absoluteLifetime),
            path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }
}

import Vapor

/// The Leaf contexts of the setup pages.
enum SetupPages {
    struct FormPage: Encodable {
        var title = "Connect Oneflow"
        var csrfToken: String
        var error: String?
    }

    struct FailurePage: Encodable {
        var title: String
        var status: Int
        var message: String
        var retryable: Bool
        var csrfToken: String
        var reference: String
    }

    struct SuccessPage: Encodable {
        struct Field: Encodable {
            var name: String
            var customID: String
            var description: String
        }
        var title = "HR Bridge is connected"
        var accountName: String
        var templateGroupName: String
        var templateGroupID: Int?
        var fields: [Field]
        var webhookURL: String
        var events: [String]
        var returnURL: String
        /// The HR system's reference of the customer, when a connection link bound it.
        var customerReference: String?
        /// For the "Sending contracts" step's link.
        var installationID: String = ""
    }

    struct WaitingPage: Encodable {
        var title = "Waiting for approval"
        var accountName: String
        var accountID: Int
        var requested: String
    }

    struct LinkPage: Encodable {
        var title = "Connect your Oneflow account"
        var csrfToken: String
        /// The HR system's reference of the customer the link is for, to recognise it by.
        var reference: String
        var expires: String
    }

    static func link(_ req: Request, _ link: ConnectLink) async throws -> View {
        try await req.view.render(
            "setup/link",
            LinkPage(
                csrfToken: CSRF.token(for: req), reference: link.customerReference,
                expires: DisplayTime.utc(link.expiresAt)))
    }

    static func waiting(_ req: Request, _ request: SetupRequest) async throws -> View {
        try await req.view.render(
            "setup/waiting",
            WaitingPage(accountName: request.accountName, accountID: request.oneflowAccountID, requested: request.requestedAt.formatted(.iso8601)))
    }

    static func form(_ req: Request, error: String?) async throws -> View {
        try await req.view.render("setup/form", FormPage(csrfToken: CSRF.token(for: req), error: error))
    }

    static func failure(_ req: Request, _ error: SetupError) async throws -> View {
        try await req.view.render(
            "setup/failed",
            FailurePage(
                title: error.title, status: Int(error.status.code), message: error.message, retryable: error.isRetryable,
                csrfToken: CSRF.token(for: req), reference: req.headers.first(name: .xRequestId) ?? req.id))
    }

    static func success(_ req: Request, _ installation: Installation, config: AppConfig) async throws -> View {
        // The customer's own fields when it has saved some (`FieldSets`).
        let fields = try await FieldSets.one(try installation.requireID(), config: config, on: req.db).specs
        return try await req.view.render(
            "setup/complete",
            SuccessPage(
                accountName: installation.accountName,
                templateGroupName: config.extensionSettings.templateGroupName,
                templateGroupID: installation.templateTypeID,
                fields: fields.map { .init(name: $0.name, customID: $0.customID, description: $0.description) },
                webhookURL: WebhookURL.callback(base: config.publicBaseURL, key: installation.webhookKey),
                events: config.extensionSettings.eventTypes,
                returnURL: config.extensionSettings.returnURL, customerReference: installation.hrCustomerReference,
                installationID: installation.id?.uuidString ?? ""))
    }
}

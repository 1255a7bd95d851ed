import Fluent
import OneflowAPI
import Vapor

/// The Setup URL and its pages.
///
/// `GET /setup?token=…` is where Oneflow's Marketplace sends the admin ("Automatic" method;
/// the parameter name is `setup.token_parameter`, since Oneflow's exact contract is not
/// public — https://developer.oneflow.com/docs/extension-creation-1). Without a token it
/// shows a form to paste one ("Show token" method, https://developer.oneflow.com/docs/authentication-1).
/// Either way the token goes, sealed, into the session and the browser is sent on at once
/// (303), so the token never stays in the address bar or the history.
struct SetupController: RouteCollection {
    let services: AppServices

    static let tokenKey = "setup_token"
    static let completedKey = "setup_completed"
    /// Requests this browser made that wait for an admin (`setup.accept = approval`).
    static let waitingKey = "setup_waiting"
    /// The connection link this browser opened (`ConnectLink`), until a setup uses it.
    static let linkKey = "setup_link"

    func boot(routes: any RoutesBuilder) throws {
        let setup = routes.grouped("setup")
        setup.get(use: start)
        setup.on(.POST, body: .collect(maxSize: "16kb"), use: submit)
        setup.get("connect", use: connect)
        setup.post("retry", use: retry)
        setup.get("complete", ":id", use: complete)
        setup.get("waiting", ":id", use: waiting)
        setup.get("link", ":secret", use: openLink)
        setup.post("link", ":secret", use: useLink)
    }

    @Sendable func start(req: Request) async throws -> Response {
        if let token = req.query[String.self, at: services.config.setup.tokenParameter], !token.isEmpty {
            return try await handOver(token, req)
        }
        return try await SetupPages.form(req, error: nil).encodeResponse(for: req)
    }

    /// The "Show token" form.
    @Sendable func submit(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let token = (try? req.content.get(String.self, at: "token")) ?? ""
        guard !token.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await SetupPages.form(req, error: "Paste the extension token Oneflow showed you.").encodeResponse(
                status: .badRequest, for: req)
        }
        return try await handOver(token, req)
    }

    /// A value that cannot be a Oneflow token (40 visible ASCII characters, once trimmed) is
    /// answered with the failure page and not kept: nothing is stored for it, so a request
    /// with a huge or odd `token` costs no row.
    private func handOver(_ token: String, _ req: Request) async throws -> Response {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard OneflowCredentials(token: trimmed, userEmail: nil).tokenLooksValid else {
            return try await SetupPages.failure(req, .malformedToken).encodeResponse(status: .badRequest, for: req)
        }
        req.session.data[Self.tokenKey] = try services.secretBox.seal(trimmed)
        return req.redirect(to: "/setup/connect", redirectType: .normal)
    }

    /// Proves the token and provisions; success → the success page, failure → the failure
    /// page with its real status (a retryable failure keeps the token for "Try again").
    @Sendable func connect(req: Request) async throws -> Response {
        guard let sealed = req.session.data[Self.tokenKey], let token = try? services.secretBox.open(sealed) else {
            return req.redirect(to: "/setup", redirectType: .normal)
        }
        let service = SetupService(services: services, db: req.db, logger: req.logger)
        let installation: Installation
        do {
            installation = try await service.connect(token: token, linkID: req.session.data[Self.linkKey].flatMap(UUID.init(uuidString:)))
        } catch .awaitingApproval(let requestID) {
            req.session.data[Self.tokenKey] = nil
            Self.remember(requestID.uuidString, under: Self.waitingKey, in: req)
            return req.redirect(to: "/setup/waiting/\(requestID)", redirectType: .normal)
        } catch {
            if !error.isRetryable { req.session.data[Self.tokenKey] = nil }
            return try await SetupPages.failure(req, error).encodeResponse(status: error.status, for: req)
        }
        req.session.data[Self.tokenKey] = nil
        if installation.hrCustomerReference != nil { req.session.data[Self.linkKey] = nil }
        return completed(try installation.requireID(), req)
    }

    /// A connection link from the HR system (`POST /api/v1/connect-links`): its page says what
    /// happens next. The link's secret is in the path: the request log leaves it out
    /// (`RequestLogMiddleware`) and the page is sent with `Referrer-Policy: no-referrer`.
    @Sendable func openLink(req: Request) async throws -> Response {
        switch try await linkState(req) {
        case .failure(let error): return try await SetupPages.failure(req, error).encodeResponse(status: error.status, for: req)
        case .open(let link):
            let response = try await SetupPages.link(req, link).encodeResponse(for: req)
            response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
            return response
        }
    }

    /// "Enable HR Bridge in Oneflow" on the link's page: a form with this browser's CSRF
    /// token, so that only a person who chose to use the link binds their next setup to it
    /// (a page elsewhere cannot make a visitor's browser take someone's link). On to the
    /// Marketplace, or to the paste-a-token form.
    @Sendable func useLink(req: Request) async throws -> Response {
        try CSRF.verify(req)
        switch try await linkState(req) {
        case .failure(let error): return try await SetupPages.failure(req, error).encodeResponse(status: error.status, for: req)
        case .open(let link):
            req.session.data[Self.linkKey] = try link.requireID().uuidString
            let paste = (try? req.content.get(String.self, at: "then")) == "paste"
            return req.redirect(to: paste ? "/setup" : services.config.enableExtensionURL, redirectType: .normal)
        }
    }

    private enum LinkState {
        case open(ConnectLink)
        case failure(SetupError)
    }

    private func linkState(_ req: Request) async throws -> LinkState {
        guard let link = try await services.connectLinks(on: req.db).find(secret: req.parameters.get("secret") ?? "") else {
            return .failure(.linkUnknown)
        }
        switch link.state(at: services.clock.now) {
        case .used: return .failure(.linkUsed)
        case .expired: return .failure(.linkExpired)
        case .open: return .open(link)
        }
    }

    /// Sends this browser to the success page it may now see.
    private func completed(_ installationID: UUID, _ req: Request) -> Response {
        Self.remember(installationID.uuidString, under: Self.completedKey, in: req)
        return req.redirect(to: "/setup/complete/\(installationID)", redirectType: .normal)
    }

    /// Adds `id` to a short list in the session (the last ten).
    private static func remember(_ id: String, under key: String, in req: Request) {
        let ids = (req.session.data[key] ?? "").split(separator: ",").map(String.init).filter { $0 != id }
        req.session.data[key] = (ids.suffix(9) + [id]).joined(separator: ",")
    }

    /// The waiting page of a request this browser made: it looks again every few seconds,
    /// and moves on to the success page once an admin approved and the setup ran, or says
    /// the request was refused.
    @Sendable func waiting(req: Request) async throws -> Response {
        let mine = (req.session.data[Self.waitingKey] ?? "").split(separator: ",").map(String.init)
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), mine.contains(id.uuidString),
            let request = try await SetupRequest.find(id, on: req.db)
        else {
            throw Abort(.notFound, reason: "This page is shown only to the person who asked to connect, in the browser they used.")
        }
        switch request.status {
        case .refused:
            return try await SetupPages.failure(req, .refused(accountID: request.oneflowAccountID)).encodeResponse(status: .forbidden, for: req)
        case .approved, .superseded, .pending:
            // On to the success page once the installation is connected; until then, again in a moment.
            if let installationID = request.installationID, let installation = try await Installation.find(installationID, on: req.db),
                installation.status == .active
            {
                return completed(installationID, req)
            }
            let response = try await SetupPages.waiting(req, request).encodeResponse(status: .accepted, for: req)
            response.headers.replaceOrAdd(name: "Refresh", value: "5")
            return response
        }
    }

    @Sendable func retry(req: Request) async throws -> Response {
        try CSRF.verify(req)
        return req.redirect(to: req.session.data[Self.tokenKey] == nil ? "/setup" : "/setup/connect", redirectType: .normal)
    }

    /// The success page, shown to the browser that ran the setup (it lists our webhook URL).
    @Sendable func complete(req: Request) async throws -> View {
        let done = (req.session.data[Self.completedKey] ?? "").split(separator: ",").map(String.init)
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), done.contains(id.uuidString),
            let installation = try await Installation.find(id, on: req.db)
        else {
            throw Abort(.notFound, reason: "This page is shown only to the person who ran the setup, right after it.")
        }
        return try await SetupPages.success(req, installation, config: services.config)
    }
}

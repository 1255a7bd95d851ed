import Foundation
import OneflowAPI
import Vapor

/// The admin login: one password (`admin.password`), a session flag, CSRF on every form,
/// guessing throttled per client and overall (`LoginThrottle`).
struct AdminAuthController: RouteCollection {
    let password: String
    let throttle: LoginThrottle
    let trustedProxies: Set<String>
    let clock: any AppClock
    static let sessionKey = "admin"

    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped("admin")
        admin.get("login", use: form)
        admin.on(.POST, "login", body: .collect(maxSize: "16kb"), use: login)
        admin.post("logout", use: logout)
    }

    struct LoginPage: Encodable {
        var title = "Admin sign-in"
        var csrfToken: String
        var error: String?
    }

    @Sendable func form(req: Request) async throws -> View {
        try await req.view.render("admin/login", LoginPage(csrfToken: CSRF.token(for: req), error: nil))
    }

    @Sendable func login(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let client = ClientAddress.of(req, trustedProxies: trustedProxies)
        if let wait = throttle.retryAfter(client: client, now: clock.now) {
            // fail2ban matches "admin sign-in failed from <address>" (README).
            req.logger.warning("admin sign-in failed from \(client): too many attempts, locked for \(wait) s")
            let page = LoginPage(csrfToken: CSRF.token(for: req), error: "Too many failed sign-ins. Try again in \(wait) seconds.")
            let response = try await req.view.render("admin/login", page).encodeResponse(status: .tooManyRequests, for: req)
            response.headers.replaceOrAdd(name: .retryAfter, value: "\(wait)")
            return response
        }
        let given = (try? req.content.get(String.self, at: "password")) ?? ""
        guard ConstantTime.equals(given, password) else {
            throttle.failed(client: client, now: clock.now)
            req.logger.warning("admin sign-in failed from \(client): wrong password")
            return try await req.view.render("admin/login", LoginPage(csrfToken: CSRF.token(for: req), error: "That password is not right."))
                .encodeResponse(status: .unauthorized, for: req)
        }
        throttle.succeeded(client: client)
        req.logger.notice("admin signed in from \(client)")
        try await startAdminSession(req)
        return req.redirect(to: "/admin", redirectType: .normal)
    }

    /// A new session id at sign-in: an id that existed before (set by anyone, e.g. through a
    /// planted cookie) never becomes an admin session. The old row goes; the middleware
    /// stores the data under a fresh id. The CSRF token starts anew with it.
    private func startAdminSession(_ req: Request) async throws {
        if req.hasSession, let old = req.session.id {
            try await req.application.sessions.driver.deleteSession(old, for: req).get()
            req.session.id = nil
        }
        req.session.data[CSRF.sessionKey] = nil
        req.session.data[Self.sessionKey] = "1"
    }

    @Sendable func logout(req: Request) async throws -> Response {
        try CSRF.verify(req)
        req.session.destroy()
        return req.redirect(to: "/admin/login", redirectType: .normal)
    }
}

/// Admin pages need a signed-in session; browsers without one go to the sign-in page. Only a
/// stored session counts (`BrowserSessions` ends it after its lifetime or idle timeout).
struct AdminGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.hasStoredSession, request.session.data[AdminAuthController.sessionKey] == "1" else {
            return request.redirect(to: "/admin/login", redirectType: .normal)
        }
        return try await next.respond(to: request)
    }
}

/// What every admin page's context carries.
struct AdminFrame: Encodable {
    static let flashKey = "flash"

    var section: String
    var csrfToken: String
    var message: String?

    /// Takes the one-shot message left by the last action (and clears it).
    init(_ req: Request, section: String) {
        self.section = section
        csrfToken = CSRF.token(for: req)
        message = req.session.data[Self.flashKey]
        if message != nil { req.session.data[Self.flashKey] = nil }
    }
}

extension Request {
    /// Back to `path` with a one-line message for the next page, kept in the session: a
    /// `?message=` in the address could be set by any link.
    func redirect(to path: String, message: String) -> Response {
        session.data[AdminFrame.flashKey] = message
        return redirect(to: path, redirectType: .normal)
    }
}

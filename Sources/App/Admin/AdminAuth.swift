import Foundation
import OneflowAPI
import Vapor

/// The admin login: one password (`admin.password`), a session flag, CSRF on every form.
struct AdminAuthController: RouteCollection {
    let password: String
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
        let given = (try? req.content.get(String.self, at: "password")) ?? ""
        guard ConstantTime.equals(given, password) else {
            // Slow down guessing; the answer is the same whatever was wrong.
            try await Task.sleep(for: .milliseconds(400))
            req.logger.notice("admin: failed sign-in")
            return try await req.view.render("admin/login", LoginPage(csrfToken: CSRF.token(for: req), error: "That password is not right."))
                .encodeResponse(status: .unauthorized, for: req)
        }
        req.session.data[Self.sessionKey] = "1"
        // A new CSRF token for the signed-in session.
        req.session.data[CSRF.sessionKey] = nil
        return req.redirect(to: "/admin", redirectType: .normal)
    }

    @Sendable func logout(req: Request) async throws -> Response {
        try CSRF.verify(req)
        req.session.destroy()
        return req.redirect(to: "/admin/login", redirectType: .normal)
    }
}

/// Admin pages need a signed-in session; browsers without one go to the sign-in page.
struct AdminGuard: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.session.data[AdminAuthController.sessionKey] == "1" else {
            return request.redirect(to: "/admin/login", redirectType: .normal)
        }
        return try await next.respond(to: request)
    }
}

/// What every admin page's context carries.
struct AdminFrame: Encodable {
    var section: String
    var csrfToken: String
    var message: String?

    init(_ req: Request, section: String) {
        self.section = section
        csrfToken = CSRF.token(for: req)
        message = req.query[String.self, at: "message"]
    }
}

extension Request {
    /// Back to `path` with a one-line message for the next page.
    func redirect(to path: String, message: String) -> Response {
        var components = URLComponents()
        components.path = path
        components.queryItems = [URLQueryItem(name: "message", value: message)]
        return redirect(to: components.string ?? path, redirectType: .normal)
    }
}

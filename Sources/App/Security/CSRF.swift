import Crypto
import Foundation
import OneflowAPI
import Vapor

/// CSRF protection for our forms. Every form echoes a token as `csrf_token`; a POST without
/// the matching one is refused.
///
/// - With a session (a signed-in admin, a setup in progress) the token lives in the session
///   (synchroniser token).
/// - Without one (the sign-in page, the setup form) it is a double-submit cookie: the token is
///   also set as an HTTP-only cookie, and the form must send the same value. An anonymous page
///   view so stores nothing on the server (`BrowserSessions` keeps no empty session).
enum CSRF {
    static let sessionKey = "csrf"
    static let field = "csrf_token"

    /// `__Host-` on https: the browser then accepts it only Secure, for path /, from this host.
    static func cookieName(secure: Bool) -> String { secure ? "__Host-hrbridge_csrf" : "hrbridge_csrf" }

    /// The token to put in a form.
    static func token(for req: Request) -> String {
        if req.hasStoredSession {
            if let existing = req.session.data[sessionKey] { return existing }
            let token = RandomToken.make(bytes: 32)
            req.session.data[sessionKey] = token
            return token
        }
        if let existing = cookieToken(req) { return existing }
        let token = RandomToken.make(bytes: 32)
        req.storage[NewCookieKey.self] = token
        return token
    }

    static func verify(_ req: Request) throws {
        let sent = try? req.content.get(String.self, at: field)
        // A stored session's forms carry its own token: the cookie (which a sibling host on
        // plain http could plant) counts only where there is no session.
        let expected = req.hasStoredSession ? req.session.data[sessionKey] : cookieToken(req)
        guard let expected, let sent, ConstantTime.equals(sent, expected) else {
            throw Abort(.forbidden, reason: "This form has expired or did not come from this site. Please open the page again and retry.")
        }
    }

    private static func cookieToken(_ req: Request) -> String? {
        let secure = req.storage[SecureKey.self] ?? false
        return req.cookies[cookieName(secure: secure)]?.string
    }

    fileprivate struct NewCookieKey: StorageKey { typealias Value = String }
    fileprivate struct SecureKey: StorageKey { typealias Value = Bool }
}

/// Sets the double-submit cookie on the answer when a page made a new token for it.
struct CSRFCookieMiddleware: AsyncMiddleware {
    /// Served over https (`public.base_url`).
    let secure: Bool

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        request.storage[CSRF.SecureKey.self] = secure
        let response = try await next.respond(to: request)
        if let token = request.storage[CSRF.NewCookieKey.self] {
            response.cookies[CSRF.cookieName(secure: secure)] = HTTPCookies.Value(
                string: token, maxAge: Int(BrowserSessions.absoluteLifetime), path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .strict)
        }
        return response
    }
}

extension Request {
    /// A session the browser already had, stored (`BrowserSessions`): a stale cookie's empty
    /// replacement has no id yet, and a page that merely looks at `session` makes one of those.
    var hasStoredSession: Bool { hasSession && session.id != nil }
}

/// Unguessable identifiers and keys: `bytes` of system randomness, base64url without padding.
enum RandomToken {
    static func make(bytes: Int) -> String {
        SymmetricKey(size: .init(bitCount: bytes * 8)).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

import Vapor

/// Headers every answer carries, so a browser holds our pages to what they are: same-origin
/// stylesheet and images, no inline script (the pages have none), never inside another
/// site's frame. The admin pages have buttons that replay, re-provision and disconnect; in a
/// frame of someone else's page they could be clicked by a user who thinks they are
/// clicking something else (clickjacking).
///
/// No `form-action`: the sandbox's Marketplace form ends in a redirect to the Setup URL,
/// which may be on another origin, and Chrome applies `form-action` to that redirect.
/// `Strict-Transport-Security` is for the TLS-terminating proxy (README, "Deploying behind
/// HTTPS"): the service itself speaks plain HTTP.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let headers: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        // Links out of the admin pages (to Oneflow) do not tell where they came from.
        ("Referrer-Policy", "same-origin"),
    ]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        for (name, value) in Self.headers where !response.headers.contains(name: name) {
            response.headers.add(name: name, value: value)
        }
        if Self.holdsPersonalData(request.routedPath) {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }

    /// Employees, contracts, their PDFs, installations and setup pages: no browser or proxy
    /// cache may keep a copy (a shared computer's back button, a caching proxy).
    static func holdsPersonalData(_ path: String) -> Bool {
        // `path` is as the router reads it (`Request.routedPath`): `//admin` is `/admin`.
        ["/api/", "/admin", "/setup"].contains { prefix in
            path.hasPrefix(prefix) && (prefix.hasSuffix("/") || path.count == prefix.count || path.dropFirst(prefix.count).first == "/")
        }
    }
}

extension Request {
    /// The path as Vapor's router reads it, empty components dropped: `//setup` and
    /// `/admin//employees` reach `/setup` and `/admin/employees`, so checks by prefix must
    /// read them the same way.
    ///
    /// Worked out once per request: Vapor's `URI.path` builds a new string through
    /// Foundation at every call, and the request log, the security headers and the HR API's
    /// method check each ask — ~3% of an acknowledgement's CPU (bench/RESULTS.md).
    var routedPath: String {
        if let path = storage[RoutedPathKey.self] { return path }
        var path = url.path
        if path.contains("//") { path = "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/") }
        storage[RoutedPathKey.self] = path
        return path
    }
}

private enum RoutedPathKey: StorageKey {
    typealias Value = String
}

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

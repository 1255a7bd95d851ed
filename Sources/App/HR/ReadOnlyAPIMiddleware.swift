import Vapor

/// The HR API mostly reads: a method a path does not take — `POST` on a record, `DELETE`,
/// even `QUERY` or a made-up one — is 405 with the `Allow` it does take (RFC 9110 §15.5.6),
/// not a 404 that suggests the path is wrong. Global, because the router never sees methods
/// it has no route for. The paths that take writes are listed in `writable`.
struct ReadOnlyAPIMiddleware: AsyncMiddleware {
    /// Paths that take other methods than GET, and which (`*`: any one path segment, an id).
    static let writable: [String: [HTTPMethod]] = [
        "/api/v1/connect-links": [.POST],
        "/api/v1/employees/*": [.GET, .HEAD, .DELETE],
        "/api/v1/contract-requests": [.GET, .HEAD, .POST],
        "/api/v1/contract-requests/*": [.GET, .HEAD, .DELETE],
        "/api/v1/contract-requests/*/send": [.POST],
        "/api/v1/contract-batches": [.GET, .HEAD, .POST],
        "/api/v1/contract-batches/*/pause": [.POST],
        "/api/v1/contract-batches/*/resume": [.POST],
        "/api/v1/contract-batches/*/cancel": [.POST],
        "/api/v1/installations/*/data-fields": [.GET, .HEAD, .PUT],
        "/api/v1/installations/*/data-fields/reapply": [.POST],
    ]

    /// The methods `path` takes.
    static func allowed(_ path: String) -> [HTTPMethod] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        for (pattern, methods) in writable {
            let parts = pattern.split(separator: "/", omittingEmptySubsequences: true)
            if parts.count == segments.count, zip(parts, segments).allSatisfy({ $0 == "*" || $0 == $1 }) { return methods }
        }
        return [.GET, .HEAD]
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.routedPath
        guard path.hasPrefix("/api/") else { return try await next.respond(to: request) }
        let allowed = Self.allowed(path)
        guard !allowed.contains(request.method) else { return try await next.respond(to: request) }
        throw Abort(
            .methodNotAllowed, headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")],
            reason: allowed == [.GET, .HEAD]
                ? "This part of the HR API is read-only: use GET." : "Use \(allowed.map(\.rawValue).joined(separator: " or ")) here.")
    }
}

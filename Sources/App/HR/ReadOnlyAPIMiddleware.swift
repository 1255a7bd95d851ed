import Vapor

/// The HR API mostly reads: a method a path does not take — `POST` on a record, `DELETE`,
/// even `QUERY` or a made-up one — is 405 with the `Allow` it does take (RFC 9110 §15.5.6),
/// not a 404 that suggests the path is wrong. Global, because the router never sees methods
/// it has no route for. The paths that take writes are listed in `writable`.
struct ReadOnlyAPIMiddleware: AsyncMiddleware {
    /// Exact paths that take other methods than GET, and which.
    static let writable: [String: [HTTPMethod]] = ["/api/v1/connect-links": [.POST]]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        guard path.hasPrefix("/api/") else { return try await next.respond(to: request) }
        let allowed = Self.writable[path] ?? [.GET, .HEAD]
        guard !allowed.contains(request.method) else { return try await next.respond(to: request) }
        throw Abort(
            .methodNotAllowed, headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")],
            reason: allowed == [.GET, .HEAD]
                ? "This part of the HR API is read-only: use GET." : "Use \(allowed.map(\.rawValue).joined(separator: " or ")) here.")
    }
}

import Vapor

/// The HR API only reads: any other method on `/api/` — `POST`, `DELETE`, even `QUERY` or a
/// made-up one — is 405 with `Allow: GET, HEAD` (RFC 9110 §15.5.6), not a 404 that suggests
/// the path is wrong. Global, because the router never sees methods it has no route for.
struct ReadOnlyAPIMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.url.path.hasPrefix("/api/"), request.method != .GET, request.method != .HEAD else {
            return try await next.respond(to: request)
        }
        throw Abort(.methodNotAllowed, headers: ["Allow": "GET, HEAD"], reason: "The HR API is read-only: use GET.")
    }
}

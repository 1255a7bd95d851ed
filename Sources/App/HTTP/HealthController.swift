import Fluent
import SQLKit
import Vapor

/// `GET /health` for load balancers: 200 `{"status":"ok"}` when the database answers a
/// query, 503 `{"status":"unavailable"}` otherwise.
struct HealthController: RouteCollection {
    struct Health: Content {
        var status: String
        var database: String
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("health", use: health)
    }

    @Sendable
    func health(req: Request) async throws -> Response {
        let healthy: Bool
        do {
            try await req.db.sql().raw("SELECT 1").run()
            healthy = true
        } catch {
            req.logger.warning("health check: database did not answer", metadata: ["error": .string(String(describing: type(of: error)))])
            healthy = false
        }
        let body = Health(status: healthy ? "ok" : "unavailable", database: healthy ? "ok" : "unavailable")
        let response = try await body.encodeResponse(status: healthy ? .ok : .serviceUnavailable, for: req)
        response.headers.cacheControl = .init(noStore: true)
        return response
    }
}

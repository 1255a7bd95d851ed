import Fluent
import Foundation
import Vapor

/// The HR API's two GDPR routes, under the API keys (a scoped key reaches its installation's
/// employees only; another's is 404):
/// - `DELETE /api/v1/employees/{id}`: erase them (`EmployeeErasure`); 200 with what went,
///   409 while a contract request of theirs is being created;
/// - `GET /api/v1/employees/{id}/export`: everything stored about them (`EmployeeExport`).
struct PersonalDataAPIController: RouteCollection {
    let services: AppServices
    let records: HRAPIController

    struct Erased: Content {
        var id: UUID
        var erased: Erasure.Summary
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.delete("employees", ":id", use: erase)
        routes.get("employees", ":id", "export", use: export)
    }

    @Sendable func erase(req: Request) async throws -> Erased {
        let employee = try await records.find(req)
        let summary = try await EmployeeErasure(services: services, db: req.db, logger: req.logger).erase(employee, by: Self.actor(req))
        return Erased(id: try employee.requireID(), erased: summary)
    }

    @Sendable func export(req: Request) async throws -> Response {
        try await EmployeeExport.download(try await records.find(req), by: Self.actor(req), services: services, for: req)
    }

    private static func actor(_ req: Request) -> AuditLog.Actor {
        .apiKey(name: req.apiScope == .operator ? "operator api key" : "installation api key")
    }
}

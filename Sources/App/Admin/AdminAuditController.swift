import Fluent
import Foundation
import Vapor

/// The audit trail (`AuditEvent`): newest first, filterable by installation.
struct AdminAuditController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("audit", use: list)
    }

    struct Row: Encodable {
        var at: String
        var actor: String
        var action: String
        var account: String
        var subject: String
        var detail: String
    }
    struct Option: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }
    struct Page: Encodable {
        var title = "Audit trail"
        var frame: AdminFrame
        var rows: [Row]
        var installations: [Option]
    }

    @Sendable func list(req: Request) async throws -> View {
        let installation = req.query[String.self, at: "installation"].flatMap(UUID.init(uuidString:))
        let query = AuditEvent.query(on: req.db).sort(\.$at, .descending).sort(\.$id, .descending).limit(500)
        if let installation { query.filter(\.$installationID == installation) }
        let events = try await query.all()
        let installations = try await Installation.query(on: req.db).sort(\.$accountName).all()
        let names = Dictionary(installations.compactMap { i in i.id.map { ($0, i.accountName) } }, uniquingKeysWith: { first, _ in first })
        let rows = events.map { e in
            Row(
                at: AdminFormat.time(e.at), actor: e.actor, action: e.action, account: e.installationID.map { names[$0] ?? $0.uuidString } ?? "—",
                subject: e.subject ?? "", detail: e.detail)
        }
        return try await req.view.render(
            "admin/audit",
            Page(
                frame: AdminFrame(req, section: "audit"), rows: rows,
                installations: installations.map { .init(value: $0.id?.uuidString ?? "", label: $0.accountName, selected: $0.id == installation) }))
    }
}

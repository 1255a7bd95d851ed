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
        var code: String
        var account: String
        var subject: String
        var detail: String
    }
    struct Page: Encodable {
        var title = "Audit trail"
        var frame: AdminFrame
        var rows: [Row]
        /// The installation filter's `<option>`s, as HTML (`InstallationFilter.options`).
        var installations: String
    }

    @Sendable func list(req: Request) async throws -> View {
        let filter = try await InstallationFilter.read(req)
        let query = AuditEvent.query(on: req.db).sort(\.$at, .descending).sort(\.$id, .descending).limit(500)
        if let installation = filter.selected { query.filter(\.$installationID == installation) }
        let events = try await query.all()
        let names = filter.names
        let rows = events.map { e in
            Row(
                at: AdminFormat.time(e.at), actor: e.actor, action: AuditLog.Action(rawValue: e.action)?.label ?? e.action, code: e.action,
                account: e.installationID.map { names[$0] ?? $0.uuidString } ?? "—",
                subject: e.subject ?? "", detail: e.detail)
        }
        return try await req.view.render(
            "admin/audit",
            Page(
                frame: AdminFrame(req, section: "audit"), rows: rows,
                installations: filter.options))
    }
}

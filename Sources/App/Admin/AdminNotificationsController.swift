import Fluent
import Foundation
import Vapor

/// Outbound notifications to the HR systems: what was sent, what is waiting, and Replay;
/// filterable by installation (each may have a target of its own).
struct AdminNotificationsController: RouteCollection {
    let clock: any AppClock
    let storage: AppStorage
    let settings: AppConfig.Notify

    func boot(routes: any RoutesBuilder) throws {
        routes.get("notifications", use: list)
        routes.post("notifications", ":id", "replay", use: replay)
    }

    struct Row: Encodable {
        var id: String
        var created: String
        var type: String
        var reason: String
        var status: String
        var attempts: Int
        var sent: String
        var error: String
        var account: String
    }
    struct Page: Encodable {
        var title = "Notifications"
        var frame: AdminFrame
        /// `notify.endpoint` is set.
        var enabled: Bool
        var endpoint: String
        /// Installations with a target of their own.
        var ownTargets: Int
        var rows: [Row]
        /// The installation filter's `<option>`s, as HTML (`InstallationFilter.options`).
        var installations: String
        var pager: AdminPager
    }

    @Sendable func list(req: Request) async throws -> View {
        let filter = try await InstallationFilter.read(req)
        let query = OutboundNotification.query(on: req.db)
        if let installation = filter.selected { query.filter(\.$installation.$id == installation) }
        query.keyset("created_at", after: AdminPager.cursor(req), descending: true).limit(AdminPager.size + 1)
        let names = filter.names
        let (notifications, pager) = try AdminPager.page(req, try await query.all()) {
            PageCursor(time: $0.createdAt ?? Date(timeIntervalSince1970: 0), id: try $0.requireID())
        }
        let rows = notifications.map {
            Row(
                id: $0.id?.uuidString ?? "", created: AdminFormat.time($0.createdAt), type: $0.type, reason: $0.reason, status: $0.status.rawValue,
                attempts: $0.attempts, sent: AdminFormat.time($0.sentAt), error: $0.lastError ?? "",
                account: $0.$installation.id.map { names[$0] ?? $0.uuidString } ?? "—")
        }
        let endpoint = settings.endpoint.map { Redaction.url($0) } ?? ""
        return try await req.view.render(
            "admin/notifications",
            Page(
                frame: AdminFrame(req, section: "notifications"),
                enabled: settings.endpoint != nil, endpoint: endpoint, ownTargets: try await NotificationTarget.query(on: req.db).count(), rows: rows,
                installations: filter.options, pager: pager))
    }

    /// Sends it again (the HR system may have lost it, or it went dead).
    @Sendable func replay(req: Request) async throws -> Response {
        try CSRF.verify(req)
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let n = try await OutboundNotification.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such notification.")
        }
        n.status = .pending
        n.attempts = 0
        n.nextAttemptAt = clock.now
        try await storage.writer(on: req.db).save(n)
        await AuditLog(writer: storage.writer(on: req.db), clock: clock, logger: req.logger).record(
            .notificationResent, by: .admin(req), installation: n.$installation.id, subject: n.id?.uuidString, detail: "\(n.type) \(n.reason)")
        return req.redirect(to: "/admin/notifications", message: "Queued to be sent again.")
    }
}

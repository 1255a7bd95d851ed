import Fluent
import Foundation
import SQLKit
import Vapor

/// The dashboard and the webhook activity: every delivery, what became of it, and Replay.
struct AdminActivityController: RouteCollection {
    let clock: any AppClock
    let storage: AppStorage
    /// `sync.max_attempts`, for a replayed delivery's job.
    let maxAttempts: Int
    /// `retention.*`, for the dashboard's "Data kept".
    let retention: AppConfig.Retention

    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: dashboard)
        routes.get("activity", use: list)
        routes.get("activity", ":id", use: detail)
        routes.post("activity", ":id", "replay", use: replay)
    }

    struct Dashboard: Encodable {
        struct Count: Encodable {
            var status: String
            var count: Int
        }
        var title = "Dashboard"
        var frame: AdminFrame
        var counts: [Count]
        var received: Int
        var oldestPending: String?
        var queueDepth: Int
        var installations: Int
        var employees: Int
        var dataKept: DataKeptPanel
    }

    @Sendable func dashboard(req: Request) async throws -> View {
        let now = clock.now
        let since = now.addingTimeInterval(-86400)
        var counts: [Dashboard.Count] = []
        for status in WebhookDelivery.Status.allCases {
            let count = try await WebhookDelivery.query(on: req.db).filter(\.$status == status).filter(\.$receivedAt >= since).count()
            counts.append(.init(status: status.rawValue, count: count))
        }
        let oldest = try await req.db.sql().earliest(
            "received_at", in: WebhookDelivery.schema, statuses: [WebhookDelivery.Status.pending, .failed].map(\.rawValue))
        return try await req.view.render(
            "admin/dashboard",
            Dashboard(
                frame: AdminFrame(req, section: "dashboard"), counts: counts, received: counts.reduce(0) { $0 + $1.count },
                oldestPending: oldest.map { AdminFormat.age(now.timeIntervalSince($0)) },
                queueDepth: try await JobQueue(db: req.db).depth(now: now).count,
                installations: try await Installation.query(on: req.db).count(),
                employees: try await Employee.query(on: req.db).count(),
                dataKept: try await DataKeptPanel.read(on: req.db, settings: retention, now: now)))
    }

    struct Row: Encodable {
        var id: String
        var received: String
        var account: String
        var contract: Int
        var events: String
        var status: String
        var duration: String
        var reason: String
        /// Other contracts this delivery's callback id was stored for (`CallbackConflicts`).
        var conflict: Bool

        init(_ d: WebhookDelivery, account: String, conflicts: [CallbackConflicts.Key: Set<Int>]) {
            (id, received, self.account) = (d.id?.uuidString ?? "", AdminFormat.time(d.receivedAt), account)
            (contract, events, status) = (d.oneflowContractID, d.eventTypes.replacingOccurrences(of: ",", with: ", "), d.status.rawValue)
            duration = d.processedAt.map { AdminFormat.duration($0.timeIntervalSince(d.receivedAt)) } ?? "—"
            reason = d.outcomeReason ?? ""
            conflict = !CallbackConflicts.others(of: d, in: conflicts).isEmpty
        }
    }

    struct ListPage: Encodable {
        var title = "Webhook activity"
        var frame: AdminFrame
        var rows: [Row]
        var statuses: [AdminOption]
        /// The installation filter's `<option>`s, as HTML (`InstallationFilter.options`).
        var installations: String
        var pager: AdminPager
    }

    @Sendable func list(req: Request) async throws -> View {
        let status = req.query[String.self, at: "status"].flatMap(WebhookDelivery.Status.init(rawValue:))
        let filter = try await InstallationFilter.read(req)
        let installation = filter.selected
        let query = WebhookDelivery.query(on: req.db)
        if let status { query.filter(\.$status == status) }
        if let installation { query.filter(\.$installation.$id == installation) }
        query.keyset("received_at", after: AdminPager.cursor(req), descending: true).limit(AdminPager.size + 1)
        let (deliveries, pager) = try AdminPager.page(req, try await query.all()) { PageCursor(time: $0.receivedAt, id: try $0.requireID()) }
        let conflicts = try await CallbackConflicts(db: req.db).contracts(of: deliveries)
        let names = filter.names
        let rows = deliveries.map { Row($0, account: names[$0.$installation.id] ?? "—", conflicts: conflicts) }
        return try await req.view.render(
            "admin/activity",
            ListPage(
                frame: AdminFrame(req, section: "activity"), rows: rows,
                statuses: WebhookDelivery.Status.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == status) },
                installations: filter.options, pager: pager))
    }

    struct DetailPage: Encodable {
        struct JobRow: Encodable {
            var status: String
            var attempts: Int
            var maxAttempts: Int
            var runAt: String
            var error: String
        }
        var title: String
        var frame: AdminFrame
        var delivery: Row
        var callbackID: String
        /// "123, 456": the other contracts its callback id was stored for; empty when none.
        var conflictingContracts: String
        var attempts: Int
        var payload: String
        var jobs: [JobRow]
    }

    @Sendable func detail(req: Request) async throws -> View {
        let d = try await find(req)
        let conflicts = try await CallbackConflicts(db: req.db).contracts(of: [d])
        // By the exact payload, through `jobs_payload` (a `LIKE` on it read every job).
        let jobs = try await Job.query(on: req.db).filter(\.$kind == JobQueue.Kind.syncDelivery)
            .filter(\.$payload == DeliveryJobPayload.json(for: try d.requireID())).sort(\.$createdAt).all()
        let pretty =
            (try? JSONSerialization.jsonObject(with: Data(d.payload.utf8)))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys]) }
            .map { String(decoding: $0, as: UTF8.self) } ?? d.payload
        return try await req.view.render(
            "admin/delivery",
            DetailPage(
                title: "Delivery for contract \(d.oneflowContractID)", frame: AdminFrame(req, section: "activity"),
                delivery: Row(d, account: d.installation.accountName, conflicts: conflicts), callbackID: d.callbackID,
                conflictingContracts: CallbackConflicts.others(of: d, in: conflicts).map(String.init).joined(separator: ", "), attempts: d.attempts,
                payload: pretty,
                jobs: jobs.map {
                    .init(
                        status: $0.status.rawValue, attempts: $0.attempts, maxAttempts: $0.maxAttempts,
                        runAt: AdminFormat.time($0.runAt), error: $0.lastError ?? "")
                }))
    }

    @Sendable func replay(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let delivery = try await find(req)
        try await DeliveryReplay(writer: storage.writer(on: req.db), maxAttempts: maxAttempts).replay(delivery, at: clock.now)
        await AuditLog(writer: storage.writer(on: req.db), clock: clock, logger: req.logger).record(
            .deliveryReplayed, by: .admin(req), installation: delivery.$installation.id, subject: delivery.id?.uuidString,
            detail: "contract \(delivery.oneflowContractID)")
        return req.redirect(to: "/admin/activity/\(delivery.id?.uuidString ?? "")", message: "Queued for processing again.")
    }

    private func find(_ req: Request) async throws -> WebhookDelivery {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let delivery = try await WebhookDelivery.query(on: req.db).filter(\.$id == id).with(\.$installation).first()
        else { throw Abort(.notFound, reason: "No such delivery.") }
        return delivery
    }
}

/// Times and durations as people read them on admin pages (UTC).
enum AdminFormat {
    static func time(_ date: Date?) -> String {
        date.map(DisplayTime.utc) ?? "—"
    }

    static func duration(_ seconds: TimeInterval) -> String {
        seconds < 1 ? String(format: "%.0f ms", seconds * 1000) : seconds < 120 ? String(format: "%.1f s", seconds) : age(seconds)
    }

    static func age(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<60: return "\(Int(seconds)) s"
        case ..<3600: return "\(Int(seconds / 60)) min"
        case ..<86400: return String(format: "%.1f h", seconds / 3600)
        default: return String(format: "%.1f days", seconds / 86400)
        }
    }
}

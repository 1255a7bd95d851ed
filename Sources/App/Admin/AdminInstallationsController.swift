import Fluent
import Foundation
import SQLKit
import Vapor

/// Installations: one per Oneflow account, with disconnect, re-provision and sign-key rotation,
/// and a page per installation with its API keys.
struct AdminInstallationsController: RouteCollection {
    let services: AppServices
    /// Re-provisioning and rotation need the stored token; a disconnect wiped it.
    static let noToken = "No token is stored: enable the extension in Oneflow again to reconnect."

    func boot(routes: any RoutesBuilder) throws {
        routes.get("installations", use: list)
        routes.get("installations", ":id", use: detail)
        routes.post("installations", ":id", "api-keys", use: createKey)
        routes.post("installations", ":id", "api-keys", ":key", "revoke", use: revokeKey)
        routes.post("installations", ":id", "disconnect", use: disconnect)
        routes.post("installations", ":id", "reprovision", use: reprovision)
        routes.post("installations", ":id", "rotate-sign-key", use: rotateSignKey)
    }

    struct Row: Encodable {
        var id: String
        var account: String
        var accountID: Int
        var status: String
        var templateGroup: String
        var webhook: String
        var lastDelivery: String
        var lastError: String
        var connected: Bool
        /// API keys not revoked.
        var liveKeys: Int
        /// Where its notifications go: its own target's host, `notify.*`'s ("default"), or nowhere.
        var notifications: String
        /// The HR system's reference of the customer (bound by a connection link), or "".
        var customer: String
    }
    struct Page: Encodable {
        var title = "Installations"
        var frame: AdminFrame
        var rows: [Row]
        /// Who may install (`AdminWhoMayInstallController`).
        var access: AdminWhoMayInstallController.Panel
    }
    @Sendable func list(req: Request) async throws -> View {
        let installations = try await Installation.query(on: req.db).sort(\.$accountName).all()
        let facts = try await ListFacts.read(on: req.db)
        let rows = try installations.map { try row($0, facts) }
        let access = try await AdminWhoMayInstallController.Panel.read(req, setup: services.config.setup)
        return try await req.view.render(
            "admin/installations",
            Page(frame: AdminFrame(req, section: "installations"), rows: rows, access: access))
    }

    /// What the list shows of each installation beyond its own row, in three queries for all
    /// of them: three per installation took half a second for 500 (bench/RESULTS.md, "a year's volume").
    struct ListFacts {
        var lastDelivery: [UUID: Date] = [:]
        var liveKeys: [UUID: Int] = [:]
        var targetHosts: [UUID: String] = [:]

        /// For every installation, or only `only`.
        static func read(on db: any Database, only: UUID? = nil) async throws -> ListFacts {
            let sql = try db.sql()
            var facts = ListFacts()
            // Each installation's newest delivery: one seek of the (installation, received_at) index each.
            let newest: SQLQueryString = """
                SELECT id, (SELECT MAX(received_at) FROM webhook_deliveries AS w WHERE w.installation_id = installations.id) AS last
                FROM installations
                """
            for row in try await sql.raw(only.map { newest + " WHERE id = \(bind: $0)" } ?? newest).all() {
                if let last = try row.decode(column: "last", as: Date?.self) {
                    facts.lastDelivery[try row.decode(column: "id", as: UUID.self)] = last
                }
            }
            let keys = APIKey.query(on: db).filter(\.$revokedAt == nil)
            let targets = NotificationTarget.query(on: db)
            if let only {
                keys.filter(\.$installation.$id == only)
                targets.filter(\.$installation.$id == only)
            }
            for key in try await keys.all() { facts.liveKeys[key.$installation.id, default: 0] += 1 }
            for target in try await targets.all() {
                facts.targetHosts[target.$installation.id] = URL(string: target.endpoint)?.host ?? "?"
            }
            return facts
        }
    }

    private func row(_ i: Installation, _ facts: ListFacts) throws -> Row {
        let id = try i.requireID()
        let notifications =
            facts.targetHosts[id].map { "own: " + $0 } ?? (services.notificationTargets.fallback == nil ? "none" : "default")
        return Row(
            id: id.uuidString, account: i.accountName, accountID: i.oneflowAccountID, status: i.status.rawValue,
            templateGroup: i.templateTypeID.map { "\(services.config.extensionSettings.templateGroupName) (#\($0))" } ?? "—",
            webhook: i.webhookID.map { "#\($0)" } ?? "—", lastDelivery: AdminFormat.time(facts.lastDelivery[id]), lastError: i.lastError ?? "",
            connected: i.status != .disconnected, liveKeys: facts.liveKeys[id] ?? 0, notifications: notifications,
            customer: i.hrCustomerReference ?? "")
    }

    @Sendable func disconnect(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await Self.find(req)
        do {
            try await DisconnectService(services: services, db: req.db, logger: req.logger).disconnect(installation, now: services.clock.now)
            await audit(req).record(.disconnected, by: .admin(req), installation: installation.id)
            return req.redirect(to: "/admin/installations", message: "\(installation.accountName) is disconnected; its HR records are kept.")
        } catch let failure as DisconnectService.Failure {
            return req.redirect(to: "/admin/installations", message: failure.description)
        }
    }

    /// Runs the setup again with the stored token (after a config change, or to repair).
    @Sendable func reprovision(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await Self.find(req)
        guard let token = try InstallationSecrets(box: services.secretBox).token(of: installation) else {
            return req.redirect(to: "/admin/installations", message: Self.noToken)
        }
        do {
            _ = try await SetupService(services: services, db: req.db, logger: req.logger).connect(token: token)
            await audit(req).record(.reprovisioned, by: .admin(req), installation: installation.id)
            return req.redirect(to: "/admin/installations", message: "\(installation.accountName) is provisioned again.")
        } catch {
            return req.redirect(to: "/admin/installations", message: "\(error.title). \(error.message)")
        }
    }

    /// A fresh webhook sign key, registered in Oneflow with the stored token; the old one
    /// stays valid for `setup.sign_key_grace_seconds`.
    @Sendable func rotateSignKey(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await Self.find(req)
        do {
            guard try await SetupService(services: services, db: req.db, logger: req.logger).rotateSignKey(of: installation) != nil else {
                return req.redirect(to: "/admin/installations", message: Self.noToken)
            }
            await audit(req).record(.signKeyRotated, by: .admin(req), installation: installation.id)
            let grace = AdminFormat.age(TimeInterval(services.config.setup.signKeyGraceSeconds))
            return req.redirect(
                to: "/admin/installations",
                message: "\(installation.accountName) has a new webhook sign key; the previous one stays valid for \(grace).")
        } catch let error as SetupError {
            return req.redirect(to: "/admin/installations", message: "\(error.title). \(error.message)")
        }
    }

    // MARK: One installation and its API keys

    struct KeyRow: Encodable {
        var id: String
        var name: String
        var prefix: String
        var created: String
        var lastUsed: String
        var revoked: String
        var live: Bool
    }
    struct DetailPage: Encodable {
        var title: String
        var frame: AdminFrame
        var installation: Row
        var keys: [KeyRow]
        /// A key just made: shown this once.
        var newKey: String?
        var newKeyName: String?
        var error: String?
        var notifications: AdminNotificationTargetController.Panel?
        var offboarding: AdminOffboardingController.Panel?
    }

    @Sendable func detail(req: Request) async throws -> View {
        try await render(req, try await Self.find(req))
    }

    /// Makes a key for this installation and shows it once, on this answer only (never in a
    /// redirect, a session or a log).
    @Sendable func createKey(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await Self.find(req)
        let name = (try? req.content.get(String.self, at: "name")) ?? ""
        do {
            let (key, secret) = try await keys(req).create(for: installation, name: name)
            req.logger.notice(
                "api key created", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "key": "\(key.id?.uuidString ?? "")"])
            await audit(req).record(
                .apiKeyCreated, by: .admin(req), installation: installation.id, subject: key.id?.uuidString, detail: "name \"\(key.name)\"")
            return try await render(req, installation, newKey: (secret, key.name)).encodeResponse(for: req)
        } catch let failure as APIKeys.Failure {
            return try await render(req, installation, error: failure.description).encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    /// Revokes a key at once: the next request with it is 401.
    @Sendable func revokeKey(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await Self.find(req)
        guard let id = req.parameters.get("key").flatMap(UUID.init(uuidString:)),
            let (key, revokedNow) = try await keys(req).revoke(id, of: try installation.requireID())
        else { throw Abort(.notFound, reason: "No such key.") }
        if revokedNow {
            req.logger.notice("api key revoked", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "key": "\(id)"])
            await audit(req).record(
                .apiKeyRevoked, by: .admin(req), installation: installation.id, subject: id.uuidString, detail: "name \"\(key.name)\"")
        }
        return req.redirect(to: "/admin/installations/\(installation.id?.uuidString ?? "")", message: "The key “\(key.name)” is revoked.")
    }

    private func audit(_ req: Request) -> AuditLog { services.audit(on: req.db, logger: req.logger) }

    private func keys(_ req: Request) -> APIKeys {
        APIKeys(db: req.db, writer: services.storage.writer(on: req.db), clock: services.clock)
    }

    func render(
        _ req: Request, _ installation: Installation, newKey: (secret: String, name: String)? = nil, error: String? = nil,
        notifications: AdminNotificationTargetController.Panel? = nil
    ) async throws -> View {
        let keys = try await keys(req).list(of: installation.requireID()).map { k in
            KeyRow(
                id: k.id?.uuidString ?? "", name: k.name, prefix: k.keyPrefix + "…", created: AdminFormat.time(k.createdAt),
                lastUsed: k.lastUsedAt.map { AdminFormat.time($0) } ?? "never", revoked: k.revokedAt.map { AdminFormat.time($0) } ?? "",
                live: k.revokedAt == nil)
        }
        var panel = notifications
        if panel == nil { panel = try await .read(installation, req: req, services: services) }
        return try await req.view.render(
            "admin/installation",
            DetailPage(
                title: installation.accountName, frame: AdminFrame(req, section: "installations"),
                installation: try row(installation, try await ListFacts.read(on: req.db, only: installation.requireID())),
                keys: keys, newKey: newKey?.secret, newKeyName: newKey?.name, error: error,
                notifications: panel, offboarding: AdminOffboardingController.panel(installation, settings: services.config.retention)))
    }

    static func find(_ req: Request) async throws -> Installation {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let installation = try await Installation.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such installation.")
        }
        return installation
    }
}

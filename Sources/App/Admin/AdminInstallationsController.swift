import Fluent
import Foundation
import Vapor

/// Installations: one per Oneflow account, with disconnect, re-provision and sign-key rotation.
struct AdminInstallationsController: RouteCollection {
    let services: AppServices
    /// Re-provisioning and rotation need the stored token; a disconnect wiped it.
    static let noToken = "No token is stored: enable the extension in Oneflow again to reconnect."

    func boot(routes: any RoutesBuilder) throws {
        routes.get("installations", use: list)
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
    }
    struct Page: Encodable {
        var title = "Installations"
        var frame: AdminFrame
        var rows: [Row]
    }

    @Sendable func list(req: Request) async throws -> View {
        var rows: [Row] = []
        for i in try await Installation.query(on: req.db).sort(\.$accountName).all() {
            let last = try await WebhookDelivery.query(on: req.db).filter(\.$installation.$id == i.requireID()).sort(\.$receivedAt, .descending)
                .first()
            rows.append(
                Row(
                    id: i.id?.uuidString ?? "", account: i.accountName, accountID: i.oneflowAccountID, status: i.status.rawValue,
                    templateGroup: i.templateTypeID.map { "\(services.config.extensionSettings.templateGroupName) (#\($0))" } ?? "—",
                    webhook: i.webhookID.map { "#\($0)" } ?? "—", lastDelivery: AdminFormat.time(last?.receivedAt), lastError: i.lastError ?? "",
                    connected: i.status != .disconnected))
        }
        return try await req.view.render("admin/installations", Page(frame: AdminFrame(req, section: "installations"), rows: rows))
    }

    @Sendable func disconnect(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        do {
            try await DisconnectService(services: services, db: req.db, logger: req.logger).disconnect(installation, now: services.clock.now)
            return req.redirect(to: "/admin/installations", message: "\(installation.accountName) is disconnected; its HR records are kept.")
        } catch let failure as DisconnectService.Failure {
            return req.redirect(to: "/admin/installations", message: failure.description)
        }
    }

    /// Runs the setup again with the stored token (after a config change, or to repair).
    @Sendable func reprovision(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        guard let token = try InstallationSecrets(box: services.secretBox).token(of: installation) else {
            return req.redirect(to: "/admin/installations", message: Self.noToken)
        }
        do {
            _ = try await SetupService(services: services, db: req.db, logger: req.logger).connect(token: token)
            return req.redirect(to: "/admin/installations", message: "\(installation.accountName) is provisioned again.")
        } catch {
            return req.redirect(to: "/admin/installations", message: "\(error.title). \(error.message)")
        }
    }

    /// A fresh webhook sign key, registered in Oneflow with the stored token; the old one
    /// stays valid for `setup.sign_key_grace_seconds`.
    @Sendable func rotateSignKey(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        do {
            guard try await SetupService(services: services, db: req.db, logger: req.logger).rotateSignKey(of: installation) != nil else {
                return req.redirect(to: "/admin/installations", message: Self.noToken)
            }
            let grace = AdminFormat.age(TimeInterval(services.config.setup.signKeyGraceSeconds))
            return req.redirect(
                to: "/admin/installations",
                message: "\(installation.accountName) has a new webhook sign key; the previous one stays valid for \(grace).")
        } catch let error as SetupError {
            return req.redirect(to: "/admin/installations", message: "\(error.title). \(error.message)")
        }
    }

    private func find(_ req: Request) async throws -> Installation {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let installation = try await Installation.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such installation.")
        }
        return installation
    }
}

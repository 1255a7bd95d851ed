import Fluent
import Foundation
import Vapor

/// An installation's own notification target, on its admin page: saved only after a test POST
/// answered 2xx (`NotificationTargetSettings`), removed to fall back to `notify.*`.
struct AdminNotificationTargetController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "installations", ":id", "notification-target", body: .collect(maxSize: "64kb"), use: save)
        routes.post("installations", ":id", "notification-target", "remove", use: remove)
    }

    /// What the installation page shows of it.
    struct Panel: Encodable {
        /// A target of its own is stored.
        var own: Bool
        var endpoint: String
        var timeoutSeconds: Int
        var hasKey: Bool
        var hasSecret: Bool
        var caPEM: String
        var clientCertificatePEM: String
        var hasClientKey: Bool
        var verified: String
        /// Where its notifications go without one: `notify.endpoint`'s host, or "".
        var fallbackHost: String
        var error: String?

        /// - Parameter submitted: a form that was refused: its fields are shown again (but the secret ones).
        static func read(
            _ installation: Installation, req: Request, services: AppServices, error: String? = nil, submitted: NotificationTargetForm? = nil
        ) async throws -> Panel {
            let target = try await services.notificationTargetSettings(on: req.db).stored(for: installation)
            var panel = Panel(
                own: target != nil, endpoint: target?.endpoint ?? "",
                timeoutSeconds: target?.timeoutSeconds ?? NotificationTargetForm.defaultTimeoutSeconds,
                hasKey: target?.keySealed != nil, hasSecret: target?.secretSealed != nil, caPEM: target?.caPEM ?? "",
                clientCertificatePEM: target?.clientCertificatePEM ?? "", hasClientKey: target?.clientKeySealed != nil,
                verified: AdminFormat.time(target?.verifiedAt),
                fallbackHost: services.notificationTargets.fallback.flatMap { URL(string: $0.endpoint)?.host } ?? "", error: error)
            if let submitted {
                panel.endpoint = submitted.endpoint
                panel.timeoutSeconds = submitted.timeout_seconds.flatMap { Int($0) } ?? panel.timeoutSeconds
                panel.caPEM = submitted.ca_pem ?? ""
                panel.clientCertificatePEM = submitted.client_certificate_pem ?? ""
            }
            return panel
        }
    }

    @Sendable func save(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await AdminInstallationsController.find(req)
        let settings = services.notificationTargetSettings(on: req.db)
        let form: NotificationTargetForm
        do {
            form = try req.content.decode(NotificationTargetForm.self)
        } catch {
            return try await refused("The form was incomplete: an endpoint is needed.", installation, req, form: nil)
        }
        do {
            let target = try await settings.save(form, for: installation)
            let host = URL(string: target.endpoint)?.host ?? "?"
            req.logger.notice("notification target saved", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "host": "\(host)"])
            await services.audit(on: req.db, logger: req.logger).record(
                .notificationTargetSaved, by: .admin(req), installation: installation.id, detail: "host \(host)")
            return req.redirect(
                to: "/admin/installations/\(installation.id?.uuidString ?? "")",
                message: "Notifications of \(installation.accountName) now go to \(host); it answered the test notification.")
        } catch let refusal as NotificationTargetForm.Refusal {
            return try await refused(refusal.description, installation, req, form: form)
        }
    }

    @Sendable func remove(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await AdminInstallationsController.find(req)
        let page = "/admin/installations/\(installation.id?.uuidString ?? "")"
        guard try await services.notificationTargetSettings(on: req.db).remove(for: installation) else {
            return req.redirect(to: page, message: "\(installation.accountName) has no notification target of its own.")
        }
        await services.audit(on: req.db, logger: req.logger).record(.notificationTargetRemoved, by: .admin(req), installation: installation.id)
        return req.redirect(to: page, message: "Notifications of \(installation.accountName) follow the configuration (notify.*) again.")
    }

    private func refused(_ reason: String, _ installation: Installation, _ req: Request, form: NotificationTargetForm?) async throws -> Response {
        let panel = try await Panel.read(installation, req: req, services: services, error: reason, submitted: form)
        return try await AdminInstallationsController(services: services).render(req, installation, notifications: panel)
            .encodeResponse(status: .unprocessableEntity, for: req)
    }
}

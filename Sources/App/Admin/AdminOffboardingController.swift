import Fluent
import Foundation
import Vapor

/// A disconnected customer's records on its installation page: when they are erased
/// (`retention.disconnected_days` after the disconnect), and "Erase now" / "Keep" /
/// "Erase as planned" (`InstallationErasure`).
struct AdminOffboardingController: RouteCollection {
    let services: AppServices

    /// The installation page's panel (nil while connected and never erased).
    struct Panel: Encodable {
        /// When its records are erased; empty when kept or erased.
        var erasesOn: String
        var kept: Bool
        /// When they were erased; empty until then.
        var erasedOn: String
        var days: Int
    }

    static func panel(_ installation: Installation, settings: AppConfig.Retention) -> Panel? {
        if let erased = installation.dataErasedAt {
            return Panel(erasesOn: "", kept: false, erasedOn: AdminFormat.time(erased), days: settings.disconnectedDays)
        }
        guard installation.status == .disconnected else { return nil }
        let date = InstallationErasure.erasureDate(of: installation, settings: settings)
        return Panel(erasesOn: date.map { AdminFormat.time($0) } ?? "", kept: installation.keepData, erasedOn: "", days: settings.disconnectedDays)
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.post("installations", ":id", "erase-data", use: eraseNow)
        routes.post("installations", ":id", "keep-data", use: keep)
        routes.post("installations", ":id", "erase-data-as-planned", use: asPlanned)
    }

    @Sendable func eraseNow(req: Request) async throws -> Response {
        let installation = try await disconnected(req)
        let summary = try await InstallationErasure(
            services: services, db: req.db, writer: services.storage.writer(on: req.db), logger: req.logger
        ).erase(installation, by: .admin(req), now: services.clock.now)
        return req.redirect(to: page(installation), message: "\(installation.accountName)'s records are erased: \(summary.words).")
    }

    @Sendable func keep(req: Request) async throws -> Response {
        try await setKeep(true, req, message: "kept until you erase them or choose to erase them as planned")
    }

    @Sendable func asPlanned(req: Request) async throws -> Response {
        try await setKeep(false, req, message: "erased \(services.config.retention.disconnectedDays) days after the disconnect, as planned")
    }

    private func setKeep(_ keep: Bool, _ req: Request, message: String) async throws -> Response {
        let installation = try await disconnected(req)
        installation.keepData = keep
        try await services.storage.writer(on: req.db).save(installation)
        await services.audit(on: req.db, logger: req.logger).record(
            .installationDataKept, by: .admin(req), installation: installation.id,
            detail: keep ? "kept past retention.disconnected_days" : "no longer kept: erased as planned")
        return req.redirect(to: page(installation), message: "\(installation.accountName)'s records will be \(message).")
    }

    /// The installation named, disconnected and not erased yet (else 409: nothing to do).
    private func disconnected(_ req: Request) async throws -> Installation {
        try CSRF.verify(req)
        let installation = try await AdminInstallationsController.find(req)
        guard installation.status == .disconnected, installation.dataErasedAt == nil else {
            throw Abort(.conflict, reason: "Only a disconnected installation's records can be erased or kept, once.")
        }
        return installation
    }

    private func page(_ installation: Installation) -> String { "/admin/installations/\(installation.id?.uuidString ?? "")" }
}

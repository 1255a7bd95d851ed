import Vapor

/// An installation's "Sending contracts" page (`SendingSettingsController`), linked from its page.
struct AdminSendingController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("installations", ":id", "sending") { req in
            try await SendingSettingsController(services: services).show(
                req, try await AdminInstallationsController.find(req), place: .admin, frame: AdminFrame(req, section: "installations"))
        }
        routes.on(.POST, "installations", ":id", "sending", body: .collect(maxSize: "64kb")) { req in
            try await SendingSettingsController(services: services).submit(
                req, try await AdminInstallationsController.find(req), place: .admin, actor: .admin(req),
                frame: AdminFrame(req, section: "installations"))
        }.bodyLimit("64kb")
    }
}

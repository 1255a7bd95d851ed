import Fluent
import Foundation
import Vapor

/// The "Sending contracts" step, in two places with one form (`sending-form.leaf`): right
/// after setup, for the browser that ran it (`/setup/complete/{id}/sending`), and on the admin's
/// installation page (`/admin/installations/{id}/sending`, registered behind the admin guard).
struct SendingSettingsController {
    let services: AppServices

    enum Place {
        case setup, admin

        func path(_ id: UUID) -> String {
            switch self {
            case .setup: "/setup/complete/\(id)/sending"
            case .admin: "/admin/installations/\(id)/sending"
            }
        }
    }

    func service(_ req: Request) -> SendingSettingsService {
        SendingSettingsService(services: services, db: req.db, catalogs: req.application.sendingCatalogs, logger: req.logger)
    }

    /// - Parameter frame: the admin pages' frame (their navigation), nil on the setup's.
    func show(_ req: Request, _ installation: Installation, place: Place, frame: (any Encodable & Sendable)? = nil) async throws -> View {
        try await render(req, installation, place: place, form: nil, frame: frame)
    }

    /// `check`: the chosen sender's templates; `save`: checked with Oneflow, then stored.
    func submit(
        _ req: Request, _ installation: Installation, place: Place, actor: AuditLog.Actor, frame: (any Encodable & Sendable)? = nil
    ) async throws -> Response {
        try CSRF.verify(req)
        let form = try req.content.decode(SendingSettingsService.Form.self)
        let id = try installation.requireID()
        guard form.action == "save" else {
            return try await render(req, installation, place: place, form: form, frame: frame).encodeResponse(for: req)
        }
        do {
            let saved = try await service(req).save(form, for: installation)
            await services.audit(on: req.db, logger: req.logger).record(
                .sendingSettingsSaved, by: actor, installation: id, detail: "template \(saved.templateID.map(String.init) ?? "—")")
            let message = "Contracts of \(installation.accountName) are now sent as \(saved.senderEmail)."
            switch place {
            case .admin: return req.redirect(to: place.path(id), message: message)
            case .setup:
                return try await render(req, installation, place: place, form: nil, frame: frame, notice: message).encodeResponse(for: req)
            }
        } catch let error as ContractRequestError {
            return try await render(
                req, installation, place: place, form: form, frame: frame, problems: error.problems,
                error: error.problems.isEmpty ? error.reason : nil
            )
            .encodeResponse(status: error.status, for: req)
        }
    }

    private func render(
        _ req: Request, _ installation: Installation, place: Place, form: SendingSettingsService.Form?, frame: (any Encodable & Sendable)?,
        problems: [FieldProblem] = [], error: String? = nil, notice: String? = nil
    ) async throws -> View {
        var choices: SendingSettingsService.Choices?
        var failure = error
        do {
            choices = try await service(req).choices(for: installation, sender: form?.sender_email)
        } catch let error as ContractRequestError {
            failure = error.reason
        }
        var page = SendingSettingsPage(
            installation: installation, action: place.path(try installation.requireID()), csrfToken: CSRF.token(for: req), choices: choices,
            form: form, config: services.config, frame: frame)
        page.problems = Dictionary(problems.map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
        page.error = failure
        page.notice = notice
        return try await req.view.render(place == .admin ? "admin/sending" : "setup/sending", page)
    }
}

/// `/setup/complete/{id}/sending`: the step after a setup, for the browser that ran it (the
/// same session list as the success page, `SetupController.completedKey`).
struct SetupSendingRoutes: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        let step = routes.grouped("setup", "complete", ":id", "sending")
        step.get { req in try await SendingSettingsController(services: services).show(req, try await installation(req), place: .setup) }
        step.on(.POST, body: .collect(maxSize: "64kb")) { req in
            let installation = try await installation(req)
            return try await SendingSettingsController(services: services).submit(
                req, installation, place: .setup, actor: .oneflowSetup(accountID: installation.oneflowAccountID))
        }.bodyLimit("64kb")
    }

    private func installation(_ req: Request) async throws -> Installation {
        let done = (req.session.data[SetupController.completedKey] ?? "").split(separator: ",").map(String.init)
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), done.contains(id.uuidString),
            let installation = try await Installation.find(id, on: req.db)
        else {
            throw Abort(.notFound, reason: "This page is shown only to the person who ran the setup, right after it.")
        }
        return installation
    }
}

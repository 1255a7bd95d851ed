import Fluent
import Vapor

/// An installation's data fields (`/admin/installations/{id}/data-fields`, issue #29): the
/// customer's own set and mapping, saved through `FieldSetProvisioner` (provisioned in Oneflow
/// first), and "Re-apply to existing employees" (`FieldReapply`).
struct AdminDataFieldsController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("installations", ":id", "data-fields", use: show)
        // The whole set as a form (see `FieldSetAPIController`; form encoding makes it longer).
        routes.on(.POST, "installations", ":id", "data-fields", body: .collect(maxSize: "1mb"), use: save).bodyLimit("1mb")
        routes.post("installations", ":id", "data-fields", "reapply", use: reapply)
    }

    @Sendable func show(req: Request) async throws -> View {
        let installation = try await AdminInstallationsController.find(req)
        let set = try await FieldSets.one(try installation.requireID(), config: services.config, on: req.db)
        return try await render(req, installation, set: set, existing: Set(set.fields.map(\.customID)), customized: set.customized)
    }

    @Sendable func save(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await AdminInstallationsController.find(req)
        let id = try installation.requireID()
        let input = try req.content.decode(DataFieldsForm.self).input
        do {
            _ = try await fieldSets(req).save(input, for: installation, by: .admin(req))
            await req.application.sendingCatalogs.forget(id)
            return req.redirect(
                to: "/admin/installations/\(id)/data-fields",
                message:
                    "Saved and set on the template group in Oneflow. Contracts processed from now on use it; “Re-apply” updates existing employees.")
        } catch let error as FieldSetError {
            // What was submitted, shown again with each problem beside its field.
            let submitted = (input.fields ?? []).map(FieldSet.Field.init(typed:))
            let current = try await FieldSets.one(id, config: services.config, on: req.db)
            return try await render(
                req, installation, set: FieldSet(fields: submitted, customized: current.customized), existing: Set(current.fields.map(\.customID)),
                customized: current.customized, problems: error.problems, error: error.problems.isEmpty ? error.reason : nil
            ).encodeResponse(status: error.status, for: req)
        }
    }

    @Sendable func reapply(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await AdminInstallationsController.find(req)
        let id = try installation.requireID()
        let contracts: Int
        do {
            contracts = try await fieldSets(req).reapply(installation, by: .admin(req))
        } catch let error as FieldSetError {
            return req.redirect(to: "/admin/installations/\(id)/data-fields", message: error.reason)
        }
        return req.redirect(
            to: "/admin/installations/\(id)/data-fields",
            message: "Re-applying to existing employees: \(contracts) contracts are read again from Oneflow, a few every few seconds.")
    }

    private func fieldSets(_ req: Request) -> FieldSetProvisioner {
        FieldSetProvisioner(services: services, db: req.db, writer: services.storage.writer(on: req.db), logger: req.logger)
    }

    private func render(
        _ req: Request, _ installation: Installation, set: FieldSet, existing: Set<String>, customized: Bool, problems: [FieldProblem] = [],
        error: String? = nil
    ) async throws -> View {
        let id = try installation.requireID()
        // What Oneflow has: the group's fields, and its templates (which inherit them all).
        var onGroup: Set<String>?
        var group = "Oneflow is not asked while the installation is disconnected."
        if installation.status == .active {
            do {
                let catalog = try await ContractRequests(
                    services: services, db: req.db, catalogs: req.application.sendingCatalogs, logger: req.logger
                ).catalog(for: installation)
                onGroup = Set(catalog.dataFields.compactMap(\.customID))
                let templates = Set(catalog.offers.map(\.template.id)).count
                group =
                    "The template group's \(templates) active \(templates == 1 ? "template inherits" : "templates inherit") every field on the group."
            } catch let error as ContractRequestError {
                group = "Oneflow could not be asked what is on the group: \(error.reason)"
            }
        }
        let contracts = try await EmploymentContract.query(on: req.db).filter(\.$installation.$id == id).count()
        let page = DataFieldsPage(
            title: "Data fields · \(installation.accountName)", frame: AdminFrame(req, section: "installations"), installationID: id.uuidString,
            account: installation.accountName,
            customized: customized, connected: installation.status == .active,
            rows: DataFieldsPage.rows(set.fields, existing: existing, onGroup: onGroup, problems: problems),
            problems: problems.filter { !$0.field.hasPrefix("fields[") }.map(\.message), error: error, group: group,
            hrFields: HRField.allCases.map(\.rawValue), contracts: contracts)
        return try await req.view.render("admin/data-fields", page)
    }
}

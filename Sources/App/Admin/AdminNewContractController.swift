import Fluent
import Foundation
import Vapor

/// "New contract" on an employee's page and "New hire": the form for a contract request,
/// pre-filled from the employee and the installation's catalog, with a preview of what goes
/// to Oneflow, then "Save as draft" or "Send". Refusals are shown beside their fields.
/// Without JavaScript: choosing another template and pressing "Preview" shows its options.
struct AdminNewContractController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("employees", ":id", "new-contract", use: forEmployee)
        routes.get("contract-requests", "new", use: forNewHire)
        routes.on(.POST, "contract-requests", "new", body: .collect(maxSize: "64kb"), use: submit).bodyLimit("64kb")
    }

    func requests(_ req: Request) -> ContractRequests {
        ContractRequests(services: services, db: req.db, catalogs: req.application.sendingCatalogs, logger: req.logger)
    }

    @Sendable func forEmployee(req: Request) async throws -> View {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let employee = try await Employee.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such employee.")
        }
        var form = NewContractForm()
        form.installation_id = employee.$installation.id.uuidString
        form.employee_id = id.uuidString
        return try await render(req, form: form, prefill: true)
    }

    @Sendable func forNewHire(req: Request) async throws -> View {
        var form = NewContractForm()
        let installations = try await Installation.query(on: req.db).filter(\.$status == .active).sort(\.$accountName).all()
        form.installation_id = req.query[String.self, at: "installation"] ?? (installations.count == 1 ? installations[0].id?.uuidString : nil)
        return try await render(req, form: form, prefill: true)
    }

    @Sendable func submit(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let form = try req.content.decode(NewContractForm.self)
        guard let installationID = form.installationID else {
            return try await render(req, form: form, prefill: false, error: "Choose the installation (the customer's Oneflow account) first.")
                .encodeResponse(status: .unprocessableEntity, for: req)
        }
        do {
            switch form.action {
            case "draft", "send":
                let request = try await requests(req).submit(
                    form.input, installationID: installationID, idempotencyKey: form.idempotency_key?.nonEmpty, createdBy: "admin")
                let verb = form.action == "send" ? "is being created and sent" : "is being created as a draft"
                return req.redirect(to: "/admin/contract-requests/\(request.id?.uuidString ?? "")", message: "\(request.name) \(verb) in Oneflow.")
            default:
                let (plan, personalNumber) = try await requests(req).check(form.input, installationID: installationID)
                let fields = try await FieldSets.one(installationID, config: services.config, on: req.db)
                return try await render(req, form: form, prefill: false, preview: Preview(plan, personalNumber: personalNumber, fields: fields))
                    .encodeResponse(for: req)
            }
        } catch let error as ContractRequestError {
            return try await render(req, form: form, prefill: false, problems: error.problems, error: error.problems.isEmpty ? error.reason : nil)
                .encodeResponse(status: error.status, for: req)
        }
    }

    /// The form, from the installation's catalog (an error notice instead when Oneflow cannot
    /// be asked). - Parameter prefill: a new form: the employee's fields and the defaults.
    private func render(
        _ req: Request, form: NewContractForm, prefill: Bool, preview: Preview? = nil, problems: [FieldProblem] = [], error: String? = nil
    ) async throws -> View {
        var form = form
        if prefill, let id = form.installationID, let installation = try await Installation.find(id, on: req.db) {
            form = try await prefilled(form, req: req, installationID: id, company: installation.accountName)
        }
        var page = NewContractPage(frame: AdminFrame(req, section: "contract-requests"), form: form, problems: problems)
        page.error = error
        page.preview = preview
        page.installations = try await Installation.query(on: req.db).filter(\.$status == .active).sort(\.$accountName).all().map {
            AdminOption(value: $0.id?.uuidString ?? "", label: $0.accountName, selected: $0.id == form.installationID)
        }
        if let id = form.employeeID {
            guard let employee = try await Employee.find(id, on: req.db) else { throw Abort(.notFound, reason: "No such employee.") }
            page.employee = .init(id: id.uuidString, name: employee.name ?? "Employee", email: employee.email ?? "no email")
            page.title = "New contract for \(employee.name ?? "employee")"
        }
        guard let installationID = form.installationID, let installation = try await Installation.find(installationID, on: req.db) else {
            return try await req.view.render("admin/new-contract", page)
        }
        do {
            let catalog = try await requests(req).catalog(for: installation)
            page.fill(with: catalog, form: form, config: services.config)
        } catch let failure as ContractRequestError {
            page.error = failure.reason
        }
        return try await req.view.render("admin/new-contract", page)
    }

    /// A new form's values: the employee's HR fields, and the subject and message filled in.
    private func prefilled(_ form: NewContractForm, req: Request, installationID: UUID, company: String) async throws -> NewContractForm {
        var form = form
        let employee = try await requests(req).employee(form.employeeID, installationID: installationID)
        form.fields = employee?.fields ?? [:]
        let signer = ContractRequestPlan.Signer(name: employee?.name ?? "{name}", email: nil, phone: nil, title: employee?.title)
        if let employee { form.name = "Employment contract – \(employee.name ?? "")" }
        // The HR field `manager` is often their email: offered as the colleague on our side when it is a user's.
        if let manager = form.fields?[HRField.manager.rawValue], manager.contains("@") { form.manager_email = manager }
        let saved = try await SendingSettings.of(installationID, on: req.db)
        let (subject, message) = (saved?.subject ?? services.config.sending.subject, saved?.message ?? services.config.sending.message)
        form.subject = ContractRequestPlan.fill(subject, signer: signer, hrFields: form.fields ?? [:], company: company)
        form.message = ContractRequestPlan.fill(message, signer: signer, hrFields: form.fields ?? [:], company: company)
        if employee == nil { (form.subject, form.message) = (nil, nil) }
        form.idempotency_key = UUID().uuidString
        return form
    }
}

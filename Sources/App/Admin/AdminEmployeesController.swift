import Fluent
import Foundation
import Vapor

/// Employees: a searchable list, and a page per employee with fields, contracts with their
/// status history, and the signed PDFs.
struct AdminEmployeesController: RouteCollection {
    /// The HR API's reads, which these pages show (same JSON, same document bytes).
    let api: HRAPIController
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("employees", use: list)
        routes.get("employees", ":id", use: detail)
        routes.get("employees", ":id", "documents", ":document", use: document)
        routes.get("employees", ":id", "export", use: export)
        routes.post("employees", ":id", "erase", use: erase)
    }

    struct Row: Encodable {
        var id: String
        var name: String
        var email: String
        var number: String
        var account: String
        var status: String
        var updated: String
    }
    struct ListPage: Encodable {
        var title = "Employees"
        var frame: AdminFrame
        var query: String
        var rows: [Row]
        /// The installation filter's `<option>`s, as HTML (`InstallationFilter.options`).
        var installations: String
        var pager: AdminPager
    }

    @Sendable func list(req: Request) async throws -> View {
        let text = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let filter = try await InstallationFilter.read(req)
        let query = Employee.query(on: req.db)
        if let installation = filter.selected { query.filter(\.$installation.$id == installation) }
        try await EmployeeSearch.narrow(query, to: text, on: req.db)
        query.keyset("updated_at", after: AdminPager.cursor(req), descending: true).limit(AdminPager.size + 1)
        let (employees, pager) = try AdminPager.page(req, try await query.all()) {
            PageCursor(time: $0.updatedAt ?? Date(timeIntervalSince1970: 0), id: try $0.requireID())
        }
        let names = filter.names
        let rows = employees.map {
            Row(
                id: $0.id?.uuidString ?? "", name: $0.name ?? "—", email: $0.email ?? "", number: $0.employeeNumber ?? "",
                account: names[$0.$installation.id] ?? "—", status: $0.employmentStatus ?? "—", updated: AdminFormat.time($0.updatedAt))
        }
        return try await req.view.render(
            "admin/employees",
            ListPage(
                frame: AdminFrame(req, section: "employees"), query: text, rows: rows,
                installations: filter.options, pager: pager))
    }

    struct DetailPage: Encodable {
        struct Pair: Encodable {
            var key: String
            var value: String
        }
        struct Change: Encodable {
            var at: String
            var source: String
            var from: String
            var to: String
            var events: String
            var changes: String
        }
        struct ContractView: Encodable {
            var oneflowID: Int
            var name: String
            var status: String
            var lifecycle: String
            var start: String
            var signed: String
            var history: [Change]
        }
        struct DocumentView: Encodable {
            var id: String
            var filename: String
            var size: String
            var sha256: String
        }
        var title: String
        var frame: AdminFrame
        var id: String
        var facts: [Pair]
        var fields: [Pair]
        var customFields: [Pair]
        var contracts: [ContractView]
        var documents: [DocumentView]
        /// Contract requests for this employee, newest first.
        var requests: [AdminContractRequestsController.Row]
        /// What "Erase" would remove, in words (`Erasure.Summary.words`).
        var erases: String
    }

    @Sendable func detail(req: Request) async throws -> View {
        req.apiScope = .`operator`  // the signed-in admin sees every installation
        let employee = try await api.find(req)
        let json = try await HRAPIController.record(of: employee, box: api.secretBox, on: req.db)
        let pairs = { (d: [String: String]) in d.keys.sorted().map { DetailPage.Pair(key: $0, value: d[$0]!) } }
        let facts: [DetailPage.Pair] = [
            ("Employee number", json.employee_number), ("Email", json.email), ("Phone", json.phone), ("Title", json.title),
            ("Employment status", json.employment_status), ("Personal number", json.personal_number.map { _ in "stored encrypted" }),
        ].map { .init(key: $0.0, value: $0.1 ?? "—") }
        let contracts = (json.contracts ?? []).map { c in
            DetailPage.ContractView(
                oneflowID: c.oneflow_contract_id, name: c.name ?? "Contract \(c.oneflow_contract_id)", status: c.status,
                lifecycle: c.lifecycle_state ?? "—", start: c.start_date ?? "—", signed: c.signed_at ?? "—",
                history: (c.history ?? []).reversed().map { h in
                    .init(
                        at: h.at ?? "", source: h.source, from: h.from_status ?? "—", to: h.to_status, events: h.event_types.joined(separator: ", "),
                        changes: h.changes.keys.sorted().joined(separator: ", "))
                })
        }
        return try await req.view.render(
            "admin/employee",
            DetailPage(
                title: json.name ?? "Employee", frame: AdminFrame(req, section: "employees"), id: json.id.uuidString, facts: facts,
                fields: pairs(json.fields), customFields: pairs(json.custom_fields), contracts: contracts,
                documents: (json.documents ?? []).map {
                    .init(id: $0.id.uuidString, filename: $0.filename, size: "\($0.size / 1024 + 1) kB", sha256: $0.sha256)
                },
                requests: try await AdminContractRequestsController.rows(
                    ContractRequest.query(on: req.db).filter(\.$employee.$id == json.id), names: [:]),
                erases: try await erasure(req).preview(employee).words))
    }

    /// Everything stored about the employee, as the API's export (a JSON download).
    @Sendable func export(req: Request) async throws -> Response {
        req.apiScope = .`operator`
        return try await EmployeeExport.download(try await api.find(req), by: .admin(req), services: services, for: req)
    }

    /// Erases the employee (the page's confirmation named what goes), then back to the list.
    @Sendable func erase(req: Request) async throws -> Response {
        try CSRF.verify(req)
        req.apiScope = .`operator`
        let employee = try await api.find(req)
        do {
            let summary = try await erasure(req).erase(employee, by: .admin(req))
            return req.redirect(to: "/admin/employees", message: "Erased: \(summary.words).")
        } catch let refusal as EmployeeErasure.Refusal {
            return req.redirect(to: "/admin/employees/\(try employee.requireID())", message: refusal.reason)
        }
    }

    private func erasure(_ req: Request) -> EmployeeErasure {
        EmployeeErasure(services: services, db: req.db, logger: req.logger)
    }

    @Sendable func document(req: Request) async throws -> Response {
        req.apiScope = .`operator`
        return try await api.document(req: req)
    }
}

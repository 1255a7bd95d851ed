import Fluent
import Foundation
import Vapor

/// "Contracts sent": every contract request with its state, a page per request with its
/// whole history, and the draft's actions (send, delete).
struct AdminContractRequestsController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("contract-requests", use: list)
        routes.get("contract-requests", ":id", use: detail)
        routes.post("contract-requests", ":id", "send", use: send)
        routes.post("contract-requests", ":id", "delete", use: delete)
    }

    func requests(_ req: Request) -> ContractRequests {
        ContractRequests(services: services, db: req.db, catalogs: req.application.sendingCatalogs, logger: req.logger)
    }

    struct Row: Encodable {
        var id: String
        var created: String
        var name: String
        var account: String
        var employeeID: String
        var state: String
        var contract: String
        var failure: String
    }

    struct ListPage: Encodable {
        var title = "Contracts sent"
        var frame: AdminFrame
        var rows: [Row]
        /// The installation filter's `<option>`s, as HTML (`InstallationFilter.options`).
        var installations: String
        var states: [AdminOption]
    }

    @Sendable func list(req: Request) async throws -> View {
        let filter = try await InstallationFilter.read(req)
        let state = req.query[String.self, at: "state"].flatMap(ContractRequest.State.init(rawValue:))
        let query = ContractRequest.query(on: req.db)
        if let installation = filter.selected { query.filter(\.$installation.$id == installation) }
        if let state { query.filter(\.$state == state) }
        let rows = try await Self.rows(query, names: filter.names)
        return try await req.view.render(
            "admin/contract-requests",
            ListPage(
                frame: AdminFrame(req, section: "contract-requests"), rows: rows, installations: filter.options,
                states: ContractRequest.State.allCases.map { AdminOption(value: $0.rawValue, label: $0.rawValue, selected: $0 == state) }))
    }

    /// The rows of `query`, newest first (at most 200).
    static func rows(_ query: QueryBuilder<ContractRequest>, names: [UUID: String]) async throws -> [Row] {
        try await query.sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(200).all().map {
            Row(
                id: $0.id?.uuidString ?? "", created: AdminFormat.time($0.createdAt), name: $0.name, account: names[$0.$installation.id] ?? "—",
                employeeID: $0.$employee.id?.uuidString ?? "", state: $0.state.rawValue, contract: $0.oneflowContractID.map(String.init) ?? "—",
                failure: $0.failure ?? "")
        }
    }

    struct DetailPage: Encodable {
        struct Step: Encodable {
            var at: String
            var state: String
            var note: String
        }
        var title: String
        var frame: AdminFrame
        var id: String
        var state: String
        var isDraft: Bool
        var failure: String?
        var facts: [AdminEmployeesController.DetailPage.Pair]
        var employeeID: String
        var oneflowURL: String
        var history: [Step]
    }

    @Sendable func detail(req: Request) async throws -> View {
        let request = try await found(req)
        let installation = try await Installation.find(request.$installation.id, on: req.db)
        let history = try await requests(req).history(of: request)
        let facts: [(String, String)] = [
            ("Account", installation?.accountName ?? "—"), ("Created", AdminFormat.time(request.createdAt)), ("Asked by", request.createdBy),
            ("Sent as", request.senderEmail), ("Template", Self.template(of: request)),
            ("Send when created", request.send ? "yes" : "no, a draft"),
            ("Oneflow contract", request.oneflowContractID.map(String.init) ?? "not yet"),
        ]
        return try await req.view.render(
            "admin/contract-request",
            DetailPage(
                title: request.name, frame: AdminFrame(req, section: "contract-requests"), id: request.id?.uuidString ?? "",
                state: request.state.rawValue, isDraft: request.state == .draft, failure: request.failure,
                facts: facts.map { .init(key: $0.0, value: $0.1) }, employeeID: request.$employee.id?.uuidString ?? "",
                oneflowURL: request.oneflowContractID.map(services.config.oneflowContractPage) ?? "",
                history: history.reversed().map { DetailPage.Step(at: AdminFormat.time($0.createdAt), state: $0.state, note: $0.note) }))
    }

    /// The template and workspace by the names Oneflow gave them when the request was checked.
    static func template(of request: ContractRequest) -> String {
        let plan = try? JSONDecoder().decode(ContractRequestPlan.self, from: Data(request.input.utf8))
        let template = plan?.templateName ?? "Template \(request.templateID)"
        return "\(template) in workspace \(plan?.workspaceName ?? String(request.workspaceID))"
    }

    @Sendable func send(req: Request) async throws -> Response {
        try await act(req) { requests, request in
            _ = try await requests.send(request)
            return "Sending \(request.name): it goes out in a moment."
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        try await act(req) { requests, request in
            _ = try await requests.delete(request)
            return "The draft \(request.name) was deleted in Oneflow and here."
        }
    }

    /// A draft's action, back to its page with what happened, or why not.
    private func act(_ req: Request, _ action: (ContractRequests, ContractRequest) async throws -> String) async throws -> Response {
        try CSRF.verify(req)
        let request = try await found(req)
        let page = "/admin/contract-requests/\(request.id?.uuidString ?? "")"
        do {
            return req.redirect(to: page, message: try await action(requests(req), request))
        } catch let error as ContractRequestError {
            return req.redirect(to: page, message: error.reason)
        }
    }

    private func found(_ req: Request) async throws -> ContractRequest {
        try await requests(req).request(req.parameters.get("id").flatMap(UUID.init(uuidString:))) { _ in true }
    }
}

import Fluent
import Foundation
import OneflowAPI
import Vapor

/// The HR system's JSON API, `Authorization: Bearer <api key>`: an operator key (`api.keys`)
/// sees every installation, a scoped key (`APIKey`) its own (`APIScope`). Described by the
/// OpenAPI document at `/api/v1/openapi.json`.
struct HRAPIController: RouteCollection {
    let apiKeys: [String]
    let secretBox: SecretBox
    let dataDirectory: String
    let storage: AppStorage
    let clock: any AppClock

    /// The API's keys: what every route under `/api/v1` but the OpenAPI document passes.
    var keys: APIKeyMiddleware { APIKeyMiddleware(operatorKeys: apiKeys, storage: storage, clock: clock) }

    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.get("openapi.json", use: openAPI)
        let secured = api.grouped(keys)
        secured.get("installations", use: installations)
        secured.get("employees", use: list)
        secured.get("employees", ":id", use: employee)
        secured.get("employees", ":id", "documents", ":document", use: document)
        secured.get("contracts", ":oneflowID", use: contract)
    }

    @Sendable func openAPI(req: Request) async throws -> Response {
        let path = req.application.directory.resourcesDirectory + "openapi.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw Abort(.notFound) }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    /// The installations the key may see: all for an operator key, its own for a scoped one.
    @Sendable func installations(req: Request) async throws -> HRRecordsJSON.InstallationList {
        let query = Installation.query(on: req.db).sort(\.$accountName).sort(\.$id)
        if let id = try req.installationFilter() { query.filter(\.$id == id) }
        return HRRecordsJSON.InstallationList(data: try await query.all().map(HRRecordsJSON.Installation.init))
    }

    /// Oldest change first, a page at a time: `after` (the last page's `next_cursor`) reads
    /// the next through the index, whatever the page's depth; `limit` (1–500, default 100);
    /// `updated_since` (ISO 8601); `installation_id` (operator keys). Without `after` it answers
    /// as before cursors — `count` (unless `count=false`) and `next_offset` (`offset` scans the
    /// rows before it) — so existing clients go on; with `after`, `count=true` adds the total.
    @Sendable func list(req: Request) async throws -> HRRecordsJSON.EmployeeList {
        let limit = try req.queryNumber("limit", default: 100, 1...500)
        let offsetGiven = req.query[String.self, at: "offset"] != nil
        let after = try req.query[String.self, at: "after"].map { text in
            guard let cursor = PageCursor(text: text) else { throw Abort(.badRequest, reason: "after must be a next_cursor this API returned") }
            return cursor
        }
        guard !offsetGiven || after == nil else { throw Abort(.badRequest, reason: "Use after or offset, not both.") }
        let offset = after == nil ? try req.queryNumber("offset", default: 0, 0...1_000_000) : nil
        let query = Employee.query(on: req.db)
        if let installationID = try req.installationFilter() { query.filter(\.$installation.$id == installationID) }
        if let since = req.query[String.self, at: "updated_since"] {
            guard let date = OneflowDate.parse(since) else {
                throw Abort(.badRequest, reason: "updated_since must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z")
            }
            query.filter(\.$updatedAt >= date)
        }
        let asked = req.query[String.self, at: "count"]
        guard asked == nil || asked == "true" || asked == "false" else { throw Abort(.badRequest, reason: "count must be true or false") }
        let counting = offset != nil ? asked != "false" : asked == "true"
        let count = counting ? try await query.count() : nil
        query.keyset("updated_at", after: after)
        if let offset { query.offset(offset) }
        // One more than the page: whether another follows, without counting.
        let rows = try await query.limit(limit + 1).all()
        let page = Array(rows.prefix(limit))
        let installations = try await InstallationReference.of(Set(page.map(\.$installation.id)), on: req.db)
        return HRRecordsJSON.EmployeeList(
            data: try page.map { try HRRecordsJSON.Employee($0, installation: installations[$0.$installation.id]) }, count: count,
            next_cursor: rows.count > limit
                ? try page.last.map { PageCursor(time: $0.updatedAt ?? Date(timeIntervalSince1970: 0), id: try $0.requireID()).text } : nil,
            next_offset: offset.flatMap { rows.count > limit ? $0 + page.count : nil })
    }

    @Sendable func employee(req: Request) async throws -> HRRecordsJSON.Employee {
        try await Self.record(of: try await find(req), box: secretBox, on: req.db)
    }

    /// An employee as `GET /api/v1/employees/{id}` answers: with contracts, their history and the documents.
    static func record(of employee: Employee, box: SecretBox, on db: any Database) async throws -> HRRecordsJSON.Employee {
        let contracts = try await EmploymentContract.query(on: db).filter(\.$employee.$id == employee.requireID()).sort(\.$createdAt).all()
        let installations = try await InstallationReference.of(Set([employee.$installation.id] + contracts.map(\.$installation.id)), on: db)
        var contractJSON: [HRRecordsJSON.Contract] = []
        for contract in contracts {
            let history = try await ContractHistory.query(on: db).filter(\.$contract.$id == contract.requireID()).sort(\.$createdAt).all()
            contractJSON.append(
                try HRRecordsJSON.Contract(
                    contract, installation: installations[contract.$installation.id], history: history.map(HRRecordsJSON.History.init)))
        }
        let documents = try await Document.query(on: db).filter(\.$employee.$id == employee.requireID()).sort(\.$createdAt).all()
        return try HRRecordsJSON.Employee(
            employee, installation: installations[employee.$installation.id], box: box, contracts: contractJSON,
            documents: try documents.map(HRRecordsJSON.Document.init))
    }

    @Sendable func document(req: Request) async throws -> Response {
        let employee = try await find(req)
        guard let id = req.parameters.get("document").flatMap(UUID.init(uuidString:)),
            let document = try await Document.query(on: req.db).filter(\.$id == id).filter(\.$employee.$id == employee.requireID()).first()
        else { throw Abort(.notFound, reason: "No such document.") }
        let data = try await DocumentStore(db: req.db, dataDirectory: dataDirectory).read(document)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: document.contentType)
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(document.filename)\"")
        headers.replaceOrAdd(name: "x-content-sha256", value: document.sha256)
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    /// A contract by its Oneflow id (unique within a Oneflow account; an operator key names the
    /// installation with `installation_id` when two accounts could share one).
    @Sendable func contract(req: Request) async throws -> HRRecordsJSON.Contract {
        guard let oneflowID = req.parameters.get("oneflowID").flatMap(Int.init) else { throw Self.noContract }
        let query = EmploymentContract.query(on: req.db).filter(\.$oneflowContractID == oneflowID)
        if let installationID = try req.installationFilter() { query.filter(\.$installation.$id == installationID) }
        guard let contract = try await query.sort(\.$createdAt).first() else { throw Self.noContract }
        let history = try await ContractHistory.query(on: req.db).filter(\.$contract.$id == contract.requireID()).sort(\.$createdAt).all()
        let installations = try await InstallationReference.of([contract.$installation.id], on: req.db)
        return try HRRecordsJSON.Contract(
            contract, installation: installations[contract.$installation.id], history: history.map(HRRecordsJSON.History.init))
    }

    static let noContract = Abort(.notFound, reason: "No contract with that Oneflow id.")

    /// An employee the key may read: another installation's is 404, as if absent.
    func find(_ req: Request) async throws -> Employee {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let employee = try await Employee.find(id, on: req.db),
            req.mayRead(installation: employee.$installation.id)
        else {
            throw Abort(.notFound, reason: "No such employee.")
        }
        return employee
    }
}

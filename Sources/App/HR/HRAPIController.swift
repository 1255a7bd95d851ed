import Fluent
import Foundation
import OneflowAPI
import Vapor

/// The HR system's JSON API, `Authorization: Bearer <api key>` (`api.keys`).
/// Described by the OpenAPI document at `/api/v1/openapi.json`.
struct HRAPIController: RouteCollection {
    let apiKeys: [String]
    let secretBox: SecretBox
    let dataDirectory: String

    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1")
        api.get("openapi.json", use: openAPI)
        let secured = api.grouped(APIKeyMiddleware(keys: apiKeys))
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

    /// `?updated_since=` (ISO 8601), `limit` (1–500, default 100), `offset`; oldest change first.
    @Sendable func list(req: Request) async throws -> HRRecordsJSON.EmployeeList {
        let limit = try bounded(req, "limit", default: 100, 1...500)
        let offset = try bounded(req, "offset", default: 0, 0...1_000_000)
        let query = Employee.query(on: req.db)
        if let since = req.query[String.self, at: "updated_since"] {
            guard let date = OneflowDate.parse(since) else {
                throw Abort(.badRequest, reason: "updated_since must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z")
            }
            query.filter(\.$updatedAt >= date)
        }
        let count = try await query.count()
        let page = try await query.sort(\.$updatedAt).sort(\.$id).range(offset..<(offset + limit)).all()
        return HRRecordsJSON.EmployeeList(
            data: try page.map { try HRRecordsJSON.Employee($0) }, count: count,
            next_offset: offset + page.count < count ? offset + page.count : nil)
    }

    @Sendable func employee(req: Request) async throws -> HRRecordsJSON.Employee {
        let employee = try await find(req)
        let contracts = try await EmploymentContract.query(on: req.db).filter(\.$employee.$id == employee.requireID()).sort(\.$createdAt).all()
        var contractJSON: [HRRecordsJSON.Contract] = []
        for contract in contracts {
            let history = try await ContractHistory.query(on: req.db).filter(\.$contract.$id == contract.requireID()).sort(\.$createdAt).all()
            contractJSON.append(try HRRecordsJSON.Contract(contract, history: history.map(HRRecordsJSON.History.init)))
        }
        let documents = try await Document.query(on: req.db).filter(\.$employee.$id == employee.requireID()).sort(\.$createdAt).all()
        return try HRRecordsJSON.Employee(
            employee, box: secretBox, contracts: contractJSON, documents: try documents.map(HRRecordsJSON.Document.init))
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

    @Sendable func contract(req: Request) async throws -> HRRecordsJSON.Contract {
        guard let oneflowID = req.parameters.get("oneflowID").flatMap(Int.init),
            let contract = try await EmploymentContract.query(on: req.db).filter(\.$oneflowContractID == oneflowID).first()
        else { throw Abort(.notFound, reason: "No contract with that Oneflow id.") }
        let history = try await ContractHistory.query(on: req.db).filter(\.$contract.$id == contract.requireID()).sort(\.$createdAt).all()
        return try HRRecordsJSON.Contract(contract, history: history.map(HRRecordsJSON.History.init))
    }

    private func find(_ req: Request) async throws -> Employee {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let employee = try await Employee.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such employee.")
        }
        return employee
    }

    private func bounded(_ req: Request, _ name: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let text = req.query[String.self, at: name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw Abort(.badRequest, reason: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}

/// `Authorization: Bearer <key>` with one of `api.keys`, compared in constant time.
struct APIKeyMiddleware: AsyncMiddleware {
    let keys: [String]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard !keys.isEmpty else {
            throw Abort(.unauthorized, reason: "The HR API is not enabled: no API keys are configured (api.keys).")
        }
        guard let bearer = request.headers.bearerAuthorization?.token,
            keys.reduce(false, { found, key in ConstantTime.equals(key, bearer) || found })
        else {
            throw Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "A valid API key is required: Authorization: Bearer <key>.")
        }
        return try await next.respond(to: request)
    }
}

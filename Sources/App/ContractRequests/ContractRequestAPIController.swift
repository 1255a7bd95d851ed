import Fluent
import Foundation
import OneflowAPI
import Vapor

/// The HR API's other direction, under `/api/v1` behind the API keys (`APIKeyMiddleware`):
/// the templates a contract can be made from, and contract requests — made, read, sent and
/// deleted. A scoped key works on its own installation; an operator key names one
/// (`installation_id`). Described in `Resources/openapi.json`.
struct ContractRequestAPIController: RouteCollection {
    let services: AppServices
    let catalogs: SendingCatalogs

    func boot(routes: any RoutesBuilder) throws {
        routes.get("templates", use: templates)
        // A message of 10,000 characters may take 40 kB.
        routes.on(.POST, "contract-requests", body: .collect(maxSize: "64kb"), use: create).bodyLimit("64kb")
        routes.get("contract-requests", use: list)
        routes.get("contract-requests", ":id", use: show)
        routes.post("contract-requests", ":id", "send", use: send)
        routes.delete("contract-requests", ":id", use: delete)
    }

    func requests(_ req: Request) -> ContractRequests {
        ContractRequests(services: services, db: req.db, catalogs: catalogs, logger: req.logger)
    }

    /// `POST /api/v1/contract-requests`: 202 with the request, `queued` (or further along with
    /// `Prefer: wait=N`, up to `sending.max_wait_seconds`). `Idempotency-Key`: the same key and
    /// body answer the first request again; another body under it is 409.
    @Sendable func create(req: Request) async throws -> Response {
        let input = try Self.body(ContractRequestInput.self, of: req, being: "a contract request")
        let installationID = try Self.installation(named: input.installation_id, req)
        let key = try Self.idempotencyKey(req)
        var request = try await requests(req).submit(input, installationID: installationID, idempotencyKey: key, createdBy: Self.creator(req))
        if let wait = Self.preferredWait(req.headers, max: services.config.sending.maxWaitSeconds) {
            request = try await settled(request, within: wait, on: req.db)
        }
        let json = try await self.json(request, req)
        let response = try await json.encodeResponse(status: .accepted, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/contract-requests/\(json.id)")
        return response
    }

    @Sendable func show(req: Request) async throws -> ContractRequestJSON {
        try await json(try await found(req), req)
    }

    /// Newest first; `state`, `employee_id`, `installation_id` (operator keys), `limit` (1–200), `offset`.
    @Sendable func list(req: Request) async throws -> ContractRequestListJSON {
        let limit = try req.queryNumber("limit", default: 50, 1...200)
        let offset = try req.queryNumber("offset", default: 0, 0...1_000_000)
        let query = ContractRequest.query(on: req.db)
        if let id = try req.installationFilter() { query.filter(\.$installation.$id == id) }
        if let text = req.query[String.self, at: "state"] {
            guard let state = ContractRequest.State(rawValue: text) else {
                throw Abort(.badRequest, reason: "state must be one of \(ContractRequest.State.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.filter(\.$state == state)
        }
        if let text = req.query[String.self, at: "employee_id"] {
            guard let id = UUID(uuidString: text) else { throw Abort(.badRequest, reason: "employee_id must be an employee's id (a UUID).") }
            query.filter(\.$employee.$id == id)
        }
        let rows = try await query.sort(\.$createdAt, .descending).sort(\.$id, .descending).range(offset..<(offset + limit + 1)).all()
        let page = Array(rows.prefix(limit))
        let references = try await InstallationReference.of(Set(page.map(\.$installation.id)), on: req.db)
        return ContractRequestListJSON(
            data: try page.map {
                try ContractRequestJSON($0, installation: references[$0.$installation.id], history: nil, contractPage: contractPage)
            },
            next_offset: rows.count > limit ? offset + limit : nil)
    }

    /// `POST …/{id}/send`: a draft is published by the job; 202.
    @Sendable func send(req: Request) async throws -> Response {
        let request = try await requests(req).send(try await found(req))
        return try await json(request, req).encodeResponse(status: .accepted, for: req)
    }

    /// `DELETE …/{id}`: a draft is deleted in Oneflow, then here.
    @Sendable func delete(req: Request) async throws -> ContractRequestJSON {
        let request = try await requests(req).delete(try await found(req))
        return try await json(request, req)
    }

    /// `GET /api/v1/templates`: what a contract request may choose, for one installation.
    @Sendable func templates(req: Request) async throws -> SendingCatalogJSON {
        let installationID = try Self.installation(named: try req.query.get(UUID?.self, at: "installation_id"), req)
        guard let installation = try await Installation.find(installationID, on: req.db) else { throw ContractRequestError.noInstallation }
        let catalog = try await requests(req).catalog(for: installation)
        return SendingCatalogJSON(catalog, config: services.config)
    }

    private var contractPage: @Sendable (Int) -> String { services.config.oneflowContractPages }

    private func json(_ request: ContractRequest, _ req: Request) async throws -> ContractRequestJSON {
        let references = try await InstallationReference.of([request.$installation.id], on: req.db)
        return try ContractRequestJSON(
            request, installation: references[request.$installation.id], history: try await requests(req).history(of: request),
            contractPage: contractPage)
    }

    private func found(_ req: Request) async throws -> ContractRequest {
        try await requests(req).request(req.parameters.get("id").flatMap(UUID.init(uuidString:))) { req.mayRead(installation: $0) }
    }

    /// The installation a call acts for: a scoped key's own (naming another is 404), or the one
    /// an operator key names.
    static func installation(named: UUID?, _ req: Request) throws -> UUID {
        switch req.apiScope {
        case .installation(let own):
            if let named, named != own { throw Abort(.notFound, reason: "No such installation.") }
            return own
        case .operator:
            guard let named else {
                throw ContractRequestError.invalid([
                    ContractRequestProblem(field: "installation_id", message: "An operator key names the installation (its id, a UUID).")
                ])
            }
            return named
        case nil: throw APIKeyMiddleware.unauthorized
        }
    }

    /// The JSON body, or 415 (not JSON) / 400 naming what is wrong with it.
    static func body<T: Decodable>(_ type: T.Type, of req: Request, being what: String) throws -> T {
        guard req.headers.contentType == .json else { throw Abort(.unsupportedMediaType, reason: "Send JSON (Content-Type: application/json).") }
        do {
            return try req.content.decode(T.self)
        } catch {
            throw Abort(.badRequest, reason: "The body is not \(what): \(decodingProblem(error))")
        }
    }

    /// Who made a request or batch through the API, as its `created_by` says.
    static func creator(_ req: Request) -> String {
        req.apiScope == .operator ? "operator api key" : "installation api key"
    }

    static func idempotencyKey(_ req: Request) throws -> String? {
        guard let key = req.headers.first(name: "Idempotency-Key") else { return nil }
        guard (1...200).contains(key.count) else { throw Abort(.badRequest, reason: "Idempotency-Key must be 1–200 characters.") }
        return key
    }

    /// Polls until the job has done what it can (created, and sent when asked) or `seconds` pass.
    private func settled(_ request: ContractRequest, within seconds: Int, on db: any Database) async throws -> ContractRequest {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var current = request
        while ContinuousClock.now < deadline {
            if current.state != .queued, !(current.state == .draft && current.send && current.failure == nil) { return current }
            try await Task.sleep(for: .milliseconds(100))
            current = try await ContractRequest.find(try request.requireID(), on: db) ?? current
        }
        return current
    }

    /// `Prefer: wait=N` (RFC 7240), at most `max` seconds.
    static func preferredWait(_ headers: HTTPHeaders, max: Int) -> Int? {
        for value in headers[canonicalForm: "Prefer"] {
            let parts = value.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0].lowercased() == "wait", let seconds = Int(parts[1]), seconds >= 0 { return min(seconds, max) }
        }
        return nil
    }

    static func decodingProblem(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "it is not JSON." }
        switch decoding {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "it is not a JSON object." : "\(path) has the wrong type."
        case .keyNotFound(let key, _): return "\(key.stringValue) is missing."
        @unknown default: return "it could not be read."
        }
    }
}

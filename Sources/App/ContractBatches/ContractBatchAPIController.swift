import Fluent
import Foundation
import Vapor

/// `/api/v1/contract-batches` behind the API keys: many contract requests at once, read back
/// with counts by state, paused, resumed and cancelled. A scoped key works on its own
/// installation's batches; an operator key names the installation. In `Resources/openapi.json`.
struct ContractBatchAPIController: RouteCollection {
    let services: AppServices
    let catalogs: SendingCatalogs

    func boot(routes: any RoutesBuilder) throws {
        // 1,000 rows of a few hundred bytes each, with room for long messages on some.
        routes.on(.POST, "contract-batches", body: .collect(maxSize: "8mb"), use: create).bodyLimit("8mb")
        routes.get("contract-batches", use: list)
        routes.get("contract-batches", ":id", use: show)
        routes.post("contract-batches", ":id", "pause", use: pause)
        routes.post("contract-batches", ":id", "resume", use: resume)
        routes.post("contract-batches", ":id", "cancel", use: cancel)
    }

    func batches(_ req: Request) -> ContractBatches {
        ContractBatches(services: services, db: req.db, catalogs: catalogs, logger: req.logger)
    }

    /// `POST /api/v1/contract-batches`: 202 with the batch, its refused rows and where to
    /// follow it. `Idempotency-Key`: the same key and body answer the first batch again.
    @Sendable func create(req: Request) async throws -> Response {
        // Up to 8 MB of JSON: decoded on the thread pool, not on the HTTP event loop.
        let input = try await ContractBatches.offTheEventLoops {
            try ContractRequestAPIController.body(ContractBatchInput.self, of: req, being: "a contract batch")
        }
        let installationID = try ContractRequestAPIController.installation(named: input.installation_id, req)
        let batch = try await batches(req).submit(
            input, installationID: installationID, idempotencyKey: try ContractRequestAPIController.idempotencyKey(req),
            createdBy: ContractRequestAPIController.creator(req))
        let json = try await self.json(batch, req, rows: false)
        let response = try await json.encodeResponse(status: .accepted, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/contract-batches/\(json.id)")
        return response
    }

    @Sendable func show(req: Request) async throws -> ContractBatchJSON {
        try await json(try await found(req), req, rows: true)
    }

    /// Newest first; `installation_id` (operator keys), `limit` (1–100), `offset`.
    @Sendable func list(req: Request) async throws -> ContractBatchListJSON {
        let limit = try req.queryNumber("limit", default: 20, 1...100)
        let offset = try req.queryNumber("offset", default: 0, 0...1_000_000)
        let query = ContractBatch.query(on: req.db)
        if let id = try req.installationFilter() { query.filter(\.$installation.$id == id) }
        let found = try await query.sort(\.$createdAt, .descending).sort(\.$id, .descending).range(offset..<(offset + limit + 1)).all()
        let references = try await InstallationReference.of(Set(found.prefix(limit).map(\.$installation.id)), on: req.db)
        var page: [ContractBatchJSON] = []
        for batch in found.prefix(limit) { page.append(try await json(batch, req, rows: false, references: references)) }
        return ContractBatchListJSON(data: page, next_offset: found.count > limit ? offset + limit : nil)
    }

    @Sendable func pause(req: Request) async throws -> ContractBatchJSON {
        try await json(try await batches(req).pause(try await found(req)), req, rows: false)
    }

    @Sendable func resume(req: Request) async throws -> ContractBatchJSON {
        try await json(try await batches(req).resume(try await found(req)), req, rows: false)
    }

    /// `POST …/{id}/cancel`: waiting rows are cancelled, drafts deleted in Oneflow by the
    /// worker (the batch is `cancelling` until then); sent contracts stay, and are listed.
    @Sendable func cancel(req: Request) async throws -> ContractBatchJSON {
        try await json(try await batches(req).cancel(try await found(req)), req, rows: true)
    }

    private func found(_ req: Request) async throws -> ContractBatch {
        try await batches(req).batch(req.parameters.get("id").flatMap(UUID.init(uuidString:))) { req.mayRead(installation: $0) }
    }

    /// - Parameter references: the page's installations, read once for a list; else read here.
    private func json(_ batch: ContractBatch, _ req: Request, rows: Bool, references: [UUID: InstallationReference]? = nil) async throws
        -> ContractBatchJSON
    {
        var references = references
        if references == nil { references = try await InstallationReference.of([batch.$installation.id], on: req.db) }
        return try await batches(req).json(batch, installation: references?[batch.$installation.id], withRows: rows)
    }
}

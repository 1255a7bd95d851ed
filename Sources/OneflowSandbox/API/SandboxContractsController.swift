import Vapor

/// `/v1/contracts`: list, get, data fields, events, files and file download; create, publish,
/// data-field updates and delete (`SandboxContractsController+Changes.swift`).
/// https://developer.oneflow.com/docs/contract, https://developer.oneflow.com/docs/download-a-contract-file
struct SandboxContractsController: RouteCollection {
    let store: SandboxStore

    func boot(routes: any RoutesBuilder) throws {
        let contracts = routes.grouped("contracts")
        contracts.get(use: list)
        contracts.get(":id") { req in SandboxJSON.Contract(try await contract(req)) }
        contracts.get(":id", "data_fields") { req in
            let c = try await contract(req)
            let (offset, limit) = try req.paging()
            return SandboxJSON.page(SandboxJSON.Contract(c).data_fields, offset: offset, limit: limit, request: req)
        }
        contracts.get(":id", "events") { req in
            let c = try await contract(req)
            let (offset, limit) = try req.paging()
            return SandboxJSON.page(c.events.map(SandboxJSON.Event.init), offset: offset, limit: limit, request: req)
        }
        contracts.get(":id", "files") { req in
            let c = try await contract(req)
            let files = c.files.map { SandboxJSON.File($0, contractID: c.id) }
            return SandboxJSON.page(files, offset: 0, limit: 100, request: req)
        }
        contracts.get(":id", "files", ":file", use: download)
        contracts.post("create", use: create)
        contracts.post(":id", "publish", use: publish)
        contracts.put(":id", "data_fields", use: updateDataFields)
        contracts.put(":id", "data_fields", ":field", use: updateDataField)
        contracts.delete(":id", use: delete)
        contracts.put(":id", "parties", ":party", "participants", ":participant", use: updateParticipant)
    }

    func contract(_ req: Request) async throws -> ContractRecord {
        try await store.contract(accountID: try req.sandboxAccount.id, id: try req.intParameter("id"))
    }

    /// `filter[state]`, `filter[template_type_id]`, `filter[data_field_match]`, `sort` on `state_updated_time` (±), then paging.
    @Sendable func list(req: Request) async throws -> SandboxJSON.Envelope<SandboxJSON.Contract> {
        let (offset, limit) = try req.paging()
        var contracts = await store.contracts(accountID: try req.sandboxAccount.id)
        // Vapor's query decoder reads `filter[state]` as the nested key filter → state.
        if let states = req.query[String.self, at: "filter", "state"] {
            let wanted = Set(states.split(separator: ",").map(String.init))
            contracts = contracts.filter { wanted.contains($0.state) }
        }
        if let type = req.query[String.self, at: "filter", "template_type_id"].flatMap(Int.init) {
            contracts = contracts.filter { $0.templateTypeID == type }
        }
        // `filter[data_field_match]=<custom_id>:<value>`: contracts whose data field has exactly
        // that value (https://developer.oneflow.com/reference/get-contracts; oneflow-api.md §6).
        if let match = req.query[String.self, at: "filter", "data_field_match"] {
            guard let colon = match.firstIndex(of: ":"), colon != match.startIndex else {
                throw SandboxProblem.invalid("filter[data_field_match]", "Must be <custom_id>:<value>.")
            }
            let (customID, value) = (String(match[..<colon]), String(match[match.index(after: colon)...]))
            contracts = contracts.filter { $0.dataFields.contains { $0.customID == customID && $0.value == value } }
        }
        switch req.query[String.self, at: "sort"] {
        case "state_updated_time": contracts.sort { ($0.stateUpdatedTime, $0.id) < ($1.stateUpdatedTime, $1.id) }
        case "-state_updated_time": contracts.sort { ($0.stateUpdatedTime, $0.id) > ($1.stateUpdatedTime, $1.id) }
        case nil, "id": break
        case let other?: throw SandboxProblem.invalid("sort", "Cannot sort by \(other).")
        }
        return SandboxJSON.page(contracts.map(SandboxJSON.Contract.init), offset: offset, limit: limit, request: req)
    }

    /// The contract PDF: a real, valid PDF that shows the contract's current state.
    @Sendable func download(req: Request) async throws -> Response {
        let c = try await contract(req)
        let fileID = try req.intParameter("file")
        guard c.files.contains(where: { $0.id == fileID }) else { throw SandboxProblem.notFound("The file") }
        let pdf = ContractPDF.render(c)
        var headers = HTTPHeaders()
        headers.contentType = .init(type: "application", subType: "pdf")
        headers.add(name: .contentDisposition, value: "attachment; filename=\"contract-\(c.id).pdf\"")
        return Response(status: .ok, headers: headers, body: .init(data: pdf))
    }
}

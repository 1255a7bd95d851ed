import Vapor

/// `/v1/ping`, `/v1/accounts/me` and template types with their data fields.
struct SandboxAPIController: RouteCollection {
    let store: SandboxStore

    func boot(routes: any RoutesBuilder) throws {
        routes.get("ping") { _ in [String: String]() }
        routes.get("accounts", "me") { req in SandboxJSON.Account(try req.sandboxAccount) }
        let types = routes.grouped("template_types")
        types.get(use: list)
        types.post(use: create)
        types.get(":id", use: get)
        types.get(":id", "data_fields", use: dataFields)
        types.put(":id", "data_fields", use: replaceDataFields)
    }

    @Sendable func list(req: Request) async throws -> SandboxJSON.Envelope<SandboxJSON.TemplateType> {
        let (offset, limit) = try req.paging()
        var types = await store.templateTypes(accountID: try req.sandboxAccount.id).map(SandboxJSON.TemplateType.init)
        if req.query[String.self, at: "sort"] == "name" { types.sort { $0.name < $1.name } }
        return SandboxJSON.page(types, offset: offset, limit: limit, request: req)
    }

    @Sendable func get(req: Request) async throws -> SandboxJSON.TemplateType {
        SandboxJSON.TemplateType(try await store.templateType(accountID: try req.sandboxAccount.id, id: try req.intParameter("id")))
    }

    struct CreateBody: Content {
        var name: String?
        var description: String?
    }

    @Sendable func create(req: Request) async throws -> SandboxJSON.TemplateType {
        let body = try req.content.decode(CreateBody.self)
        guard let name = body.name else { throw SandboxProblem.invalid("name", "Required.") }
        return SandboxJSON.TemplateType(
            try await store.createTemplateType(
                accountID: try req.sandboxAccount.id, name: name, description: body.description ?? "", extensionType: nil))
    }

    @Sendable func dataFields(req: Request) async throws -> SandboxJSON.DataFieldList {
        let type = try await store.templateType(accountID: try req.sandboxAccount.id, id: try req.intParameter("id"))
        return SandboxJSON.DataFieldList(data_fields: SandboxJSON.TemplateType(type).data_fields)
    }

    struct DataFieldsBody: Content {
        var data_fields: [DataFieldInputRecord]?
    }

    @Sendable func replaceDataFields(req: Request) async throws -> SandboxJSON.DataFieldList {
        let body = try req.content.decode(DataFieldsBody.self)
        guard let inputs = body.data_fields else { throw SandboxProblem.invalid("data_fields", "Required.") }
        let type = try await store.replaceDataFields(accountID: try req.sandboxAccount.id, typeID: try req.intParameter("id"), with: inputs)
        return SandboxJSON.DataFieldList(data_fields: SandboxJSON.TemplateType(type).data_fields)
    }
}

extension Request {
    func intParameter(_ name: String) throws(SandboxProblem) -> Int {
        guard let value = parameters.get(name).flatMap(Int.init) else { throw .notFound("The \(name)") }
        return value
    }
}

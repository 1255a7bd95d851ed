import Vapor

/// `/v1/workspaces`, `/v1/users`, `/v1/templates` and the helper
/// `/v1/helpers/contract_create_data`: what a caller needs to choose where, from what and as
/// whom to create a contract. Each list is as the acting user sees it.
/// https://developer.oneflow.com/docs/workspace, /docs/get-templates-1, /docs/get-data-to-create-a-contract
struct SandboxDirectoryController: RouteCollection {
    let store: SandboxStore

    func boot(routes: any RoutesBuilder) throws {
        routes.get("workspaces", use: workspaces)
        routes.get("users") { req in
            let (offset, limit) = try req.paging()
            let users = try req.sandboxAccount.users.map(SandboxJSON.User.init)
            return SandboxJSON.page(users, offset: offset, limit: limit, request: req)
        }
        routes.get("templates", use: templates)
        routes.get("templates", ":id") { req in
            let template = try await visible(req).first { $0.id == (try req.intParameter("id")) }
            guard let template else { throw SandboxProblem.notFound("The template") }
            return await json(template)
        }
        routes.get("helpers", "contract_create_data", use: createData)
    }

    @Sendable func workspaces(req: Request) async throws -> SandboxJSON.Envelope<SandboxJSON.Workspace> {
        let (offset, limit) = try req.paging()
        let list = await store.workspaces(of: try req.sandboxAccount, for: try req.actingUser())
        return SandboxJSON.page(list.map { SandboxJSON.Workspace($0.0, canCreate: $0.canCreate) }, offset: offset, limit: limit, request: req)
    }

    /// `template_type_id`, `extension_type`, `filter[workspace_ids]`, `filter[active]` (absent:
    /// active only; empty: all), `sort=name`. An `extension_type` no template has is an error.
    @Sendable func templates(req: Request) async throws -> SandboxJSON.Envelope<SandboxJSON.Template> {
        let (offset, limit) = try req.paging()
        var list = try await filtered(req, try await visible(req))
        // "If there is no template associated with the provided extension_type, the system will
        // return an error message" (https://developer.oneflow.com/docs/get-templates-1): asked of
        // the account, not of what this user sees.
        if let alias = req.query[String.self, at: "extension_type"] {
            let account = try req.sandboxAccount.id
            let types = await store.templateTypeIDs(accountID: account, extensionType: alias)
            guard await store.templates(accountID: account).contains(where: { $0.templateTypeID.map(types.contains) ?? false }) else {
                throw SandboxProblem.invalid("extension_type", "No template is associated with extension type \(alias).")
            }
        }
        if let ids = req.query[String.self, at: "filter", "workspace_ids"] {
            let wanted = Set(ids.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
            list = list.filter { wanted.contains($0.workspaceID) }
        }
        switch req.query[String.self, at: "filter", "active"] {
        case nil: list = list.filter(\.active)
        case "true": list = list.filter(\.active)
        case "false": list = list.filter { !$0.active }
        case "": break
        case let other?: throw SandboxProblem.invalid("filter[active]", "Must be true, false or empty, not \(other).")
        }
        switch req.query[String.self, at: "sort"] {
        case nil: break
        case "name": list.sort { ($0.name, $0.id) < ($1.name, $1.id) }
        case "-name": list.sort { ($0.name, $0.id) > ($1.name, $1.id) }
        case let other?: throw SandboxProblem.invalid("sort", "Cannot sort by \(other).")
        }
        var items: [SandboxJSON.Template] = []
        for template in list { items.append(await json(template)) }
        return SandboxJSON.page(items, offset: offset, limit: limit, request: req)
    }

    /// Not paginated: the workspaces where the user may create contracts and that have at
    /// least one active template passing the filter, each with those templates.
    @Sendable func createData(req: Request) async throws -> [SandboxJSON.WorkspaceTemplates] {
        let account = try req.sandboxAccount
        let templates = try await filtered(req, try await visible(req)).filter(\.active)
        var result: [SandboxJSON.WorkspaceTemplates] = []
        for (workspace, canCreate) in await store.workspaces(of: account, for: try req.actingUser()) where canCreate {
            var items: [SandboxJSON.Template] = []
            for template in templates where template.workspaceID == workspace.id { items.append(await json(template)) }
            if !items.isEmpty { result.append(.init(id: workspace.id, name: workspace.name, templates: items)) }
        }
        return result
    }

    /// The account's templates in workspaces the acting user can see.
    func visible(_ req: Request) async throws -> [TemplateRecord] {
        let account = try req.sandboxAccount
        let seen = Set(await store.workspaces(of: account, for: try req.actingUser()).map(\.0.id))
        return await store.templates(accountID: account.id).filter { seen.contains($0.workspaceID) }
    }

    /// `template_type_id` and `extension_type`, shared by the list and the helper.
    func filtered(_ req: Request, _ list: [TemplateRecord]) async throws -> [TemplateRecord] {
        var list = list
        if let text = req.query[String.self, at: "template_type_id"] {
            guard let typeID = Int(text) else { throw SandboxProblem.invalid("template_type_id", "Must be an integer.") }
            list = list.filter { $0.templateTypeID == typeID }
        }
        if let alias = req.query[String.self, at: "extension_type"] {
            let types = await store.templateTypeIDs(accountID: try req.sandboxAccount.id, extensionType: alias)
            list = list.filter { $0.templateTypeID.map(types.contains) ?? false }
        }
        return list
    }

    func json(_ template: TemplateRecord) async -> SandboxJSON.Template {
        SandboxJSON.Template(template, type: await store.group(of: template))
    }
}

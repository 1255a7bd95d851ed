import Vapor

/// Control API for what Oneflow's app makes and its API cannot: workspaces, users, templates,
/// and the account's plan. Each call names the account by one of its tokens, like the rest of
/// the control API.
struct SandboxDirectoryControl: RouteCollection {
    let store: SandboxStore

    func boot(routes: any RoutesBuilder) throws {
        routes.post("workspaces") { req in
            struct In: Content {
                var token: String?
                var name: String
            }
            let body = try req.content.decode(In.self)
            let workspace = try await store.addWorkspace(accountID: try await store.account(authorizedBy: body.token).id, name: body.name)
            return SandboxJSON.Workspace(workspace, canCreate: true)
        }
        routes.post("users") { req in
            struct Grant: Content {
                var workspace_id: Int
                var can_create: Bool?
            }
            struct In: Content {
                var token: String?
                var email: String
                var name: String
                var admin: Bool?
                var workspaces: [Grant]?
            }
            let body = try req.content.decode(In.self)
            let grants = (body.workspaces ?? []).map { WorkspaceGrant(workspaceID: $0.workspace_id, canCreate: $0.can_create ?? true) }
            return SandboxJSON.User(
                try await store.addUser(
                    accountID: try await store.account(authorizedBy: body.token).id, email: body.email, name: body.name,
                    admin: body.admin ?? false, grants: grants))
        }
        routes.post("users", "active") { req in
            struct In: Content {
                var token: String?
                var email: String
                var active: Bool
            }
            let body = try req.content.decode(In.self)
            return SandboxJSON.User(
                try await store.setUserActive(accountID: try await store.account(authorizedBy: body.token).id, email: body.email, active: body.active)
            )
        }
        routes.post("templates") { req in
            struct In: Content {
                var token: String?, workspace_id: Int, template_type_id: Int?, name: String, active: Bool?
                var delivery_channels: [String]?, sign_methods: [String]?, two_step_authentication_methods: [String]?
            }
            let body = try req.content.decode(In.self)
            let accountID = try await store.account(authorizedBy: body.token).id
            let template = try await store.addTemplate(
                accountID: accountID, workspaceID: body.workspace_id, typeID: body.template_type_id, name: body.name,
                active: body.active ?? true,
                delivery: body.delivery_channels, sign: body.sign_methods, twoStep: body.two_step_authentication_methods)
            return SandboxJSON.Template(template, type: await store.group(of: template))
        }
        /// `{"token", "publishing": false}` puts the account on a plan without publishing (402).
        routes.post("plan") { req -> HTTPStatus in
            struct In: Content {
                var token: String?
                var publishing: Bool
            }
            let body = try req.content.decode(In.self)
            _ = try await store.setPublishing(accountID: try await store.account(authorizedBy: body.token).id, allowed: body.publishing)
            return .noContent
        }
        /// Everything the directory holds for an account: workspaces, users, templates. The token
        /// travels in `x-oneflow-api-token`, as on the API, not in a URL that logs keep.
        routes.get("directory") { req in
            let account = try await store.account(authorizedBy: req.headers.first(name: "x-oneflow-api-token"))
            var templates: [SandboxJSON.Template] = []
            for template in await store.templates(accountID: account.id) {
                templates.append(SandboxJSON.Template(template, type: await store.group(of: template)))
            }
            return Directory(
                workspaces: account.workspaces.map { SandboxJSON.Workspace($0, canCreate: true) },
                users: account.users.map(SandboxJSON.User.init), templates: templates, publishing: account.canPublish)
        }
    }

    struct Directory: Content {
        var workspaces: [SandboxJSON.Workspace]
        var users: [SandboxJSON.User]
        var templates: [SandboxJSON.Template]
        var publishing: Bool
    }
}

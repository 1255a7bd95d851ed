import Foundation
import Vapor

/// The account page's forms. Each goes back to the page with a one-line message: what was
/// added, or what the store refused and why (never an error page, as Oneflow's settings
/// show a refusal beside the form).
extension SandboxPagesController {
    @Sendable func addWorkspace(req: Request) async throws -> Response {
        try await accountForm(req, "add the workspace") { (store, accountID, form) async throws(SandboxProblem) -> String in
            let workspace = try await store.addWorkspace(accountID: accountID, name: form["name"] ?? "")
            return "Added the workspace \(workspace.name)."
        }
    }

    /// `grant_<workspace id>` is `none`, `view` or `create`; an admin sees every workspace anyway.
    @Sendable func addUser(req: Request) async throws -> Response {
        try await accountForm(req, "add the user") { (store, accountID, form) async throws(SandboxProblem) -> String in
            let admin = form["admin"] != nil
            let grants =
                admin
                ? []
                : form.compactMap { entry -> WorkspaceGrant? in
                    guard entry.key.hasPrefix("grant_"), let id = Int(entry.key.dropFirst(6)), ["view", "create"].contains(entry.value) else {
                        return nil
                    }
                    return WorkspaceGrant(workspaceID: id, canCreate: entry.value == "create")
                }.sorted { $0.workspaceID < $1.workspaceID }
            let user = try await store.addUser(
                accountID: accountID, email: form["email"] ?? "", name: form["name"] ?? "",
                admin: admin, grants: grants)
            return "Added the user \(user.name) (\(user.email)) as \(user.isAdmin ? "an admin" : "a user")."
        }
    }

    /// The ticked options are sent as they are, even none: the store refuses an empty list.
    @Sendable func addTemplate(req: Request) async throws -> Response {
        try await accountForm(req, "add the template") { (store, accountID, form) async throws(SandboxProblem) -> String in
            guard let workspaceID = form["workspace_id"].flatMap(Int.init) else { throw .invalid("workspace_id", "Choose a workspace.") }
            let typeID: Int?
            switch form["template_type_id"] {
            case nil, "": typeID = nil
            case let value?:
                guard let id = Int(value) else { throw .invalid("template_type_id", "Choose a template group.") }
                typeID = id
            }
            let template = try await store.addTemplate(
                accountID: accountID, workspaceID: workspaceID, typeID: typeID, name: form["name"] ?? "", active: form["inactive"] == nil,
                delivery: Self.ticked("delivery_", TemplateOptions.deliveryChannels, defaults: TemplateOptions.defaultDelivery, in: form),
                sign: Self.ticked("sign_", TemplateOptions.signMethods, defaults: TemplateOptions.defaultSign, in: form),
                twoStep: Self.ticked("two_step_", TemplateOptions.twoStepMethods, defaults: TemplateOptions.defaultTwoStep, in: form))
            return "Added the template \(template.name)."
        }
    }

    @Sendable func setPublishing(req: Request) async throws -> Response {
        try await accountForm(req, "change the plan") { (store, accountID, form) async throws(SandboxProblem) -> String in
            let allowed = form["publishing"] == "on"
            _ = try await store.setPublishing(accountID: accountID, allowed: allowed)
            return allowed ? "Publishing is on: contracts can be published." : "Publishing is off: publishing a contract answers 402."
        }
    }

    private func accountForm(
        _ req: Request, _ what: String,
        _ change: (SandboxStore, Int, [String: String]) async throws(SandboxProblem) -> String
    ) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        guard let accountID = form["account"].flatMap(Int.init) else {
            return Self.redirect(req, "/sandbox/account", ["message": "Could not \(what): choose an account."])
        }
        let message: String
        do {
            message = try await change(store, accountID, form)
        } catch {
            message = "Could not \(what): \(Self.describe(error))"
        }
        return Self.redirect(req, "/sandbox/account", ["account": String(accountID), "message": message])
    }

    /// The store's refusal in one line: its detail, then each parameter and what is wrong with it.
    static func describe(_ problem: SandboxProblem) -> String {
        let parameters = problem.parameterProblems.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return ([problem.detail] + parameters).joined(separator: " ")
    }

    static func redirect(_ req: Request, _ path: String, _ query: KeyValuePairs<String, String>) -> Response {
        var components = URLComponents()
        components.path = path
        components.queryItems = query.map { URLQueryItem(name: $0.key, value: $0.value) }
        return req.redirect(to: components.string ?? path, redirectType: .normal)
    }
}

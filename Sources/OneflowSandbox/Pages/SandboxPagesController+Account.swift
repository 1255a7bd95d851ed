import Foundation
import Vapor

/// The account page plays Oneflow's admin settings, the only place workspaces, users and
/// templates are made (https://developer.oneflow.com/docs/workspace,
/// https://developer.oneflow.com/docs/template): list them, add one of each, and switch the
/// plan's publishing on or off.
extension SandboxPagesController {
    struct AccountPage: Encodable {
        struct Option: Encodable {
            var value: String
            var name: String
            var selected: Bool
        }
        struct Workspace: Encodable {
            var id: Int
            var name: String
            var company: String
            var registrationNumber: String
        }
        struct User: Encodable {
            var name: String
            var email: String
            var role: String
            var active: Bool
            var access: String
        }
        struct Template: Encodable {
            var id: Int
            var name: String
            var workspace: String
            var group: String
            var active: Bool
            var delivery: String
            var sign: String
            var twoStep: String
        }
        /// A checkbox of the template form: `field` is its form name.
        struct Choice: Encodable {
            var field: String
            var name: String
            var checked: Bool
        }
        var title = "Sandbox account"
        var accountID: Int?
        var accountName: String
        var accounts: [Option]
        var workspaces: [Workspace]
        var users: [User]
        var templates: [Template]
        var groups: [Option]
        var canPublish: Bool
        var delivery: [Choice]
        var sign: [Choice]
        var twoStep: [Choice]
        var message: String?
    }

    @Sendable func account(req: Request) async throws -> View {
        let accounts = await store.accounts()
        let wanted = req.query[Int.self, at: "account"]
        let account = accounts.first { $0.id == wanted } ?? accounts.last
        var message = req.query[String.self, at: "message"]
        if let wanted, account?.id != wanted {
            message = [message, "Account #\(wanted) was not found; showing the newest account."].compactMap { $0 }.joined(separator: " ")
        }
        let types = if let account { await store.templateTypes(accountID: account.id) } else { [TemplateTypeRecord]() }
        let templates = if let account { await store.templates(accountID: account.id) } else { [TemplateRecord]() }
        let typeNames = Dictionary(types.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let ours = types.first { $0.name == configuration.extensionTemplateGroupName }?.id
        let workspaces = account?.workspaces ?? []
        let workspaceName = { (id: Int) in workspaces.first { $0.id == id }?.name ?? "#\(id)" }
        let page = AccountPage(
            accountID: account?.id, accountName: account?.name ?? "",
            accounts: accounts.map { .init(value: String($0.id), name: "\($0.name) (#\($0.id))", selected: $0.id == account?.id) },
            workspaces: workspaces.map { .init(id: $0.id, name: $0.name, company: $0.companyName, registrationNumber: $0.registrationNumber) },
            users: (account?.users ?? []).map { user in
                .init(name: user.name, email: user.email, role: user.role, active: user.active, access: Self.access(of: user, workspaceName))
            },
            templates: templates.map { t in
                .init(
                    id: t.id, name: t.name, workspace: workspaceName(t.workspaceID),
                    group: t.templateTypeID.map { typeNames[$0] ?? "#\($0)" } ?? "No template group", active: t.active,
                    delivery: Self.list(t.deliveryChannels), sign: Self.list(t.signMethods), twoStep: Self.list(t.twoStepMethods))
            },
            groups: [.init(value: "", name: "No template group", selected: ours == nil)]
                + types.map { .init(value: String($0.id), name: $0.name, selected: $0.id == ours) },
            canPublish: account?.canPublish ?? false,
            delivery: Self.choices("delivery_", TemplateOptions.deliveryChannels, defaults: TemplateOptions.defaultDelivery),
            sign: Self.choices("sign_", TemplateOptions.signMethods, defaults: TemplateOptions.defaultSign),
            twoStep: Self.choices("two_step_", TemplateOptions.twoStepMethods, defaults: TemplateOptions.defaultTwoStep),
            message: message)
        return try await req.view.render("sandbox/account", page)
    }

    /// An admin sees and may create everywhere; a user only what the grants say.
    static func access(of user: UserRecord, _ workspaceName: (Int) -> String) -> String {
        if user.isAdmin { return "Every workspace; may create contracts in all" }
        if user.grants.isEmpty { return "No workspace" }
        return user.grants.map { "\(workspaceName($0.workspaceID)): \($0.canCreate ? "may create" : "may view")" }.joined(separator: " · ")
    }

    static func list(_ options: [OptionRecord]) -> String {
        options.map { $0.preferred ? "\($0.name) (preferred)" : $0.name }.joined(separator: ", ")
    }

    /// The defaults first, in their order, so the first ticked (the preferred one) is the
    /// default's preferred one; then the other options by name.
    static func choices(_ prefix: String, _ table: [String: [String]], defaults: [String]) -> [AccountPage.Choice] {
        let names = defaults + table.keys.filter { !defaults.contains($0) }.sorted()
        return names.map { AccountPage.Choice(field: prefix + $0, name: $0, checked: defaults.contains($0)) }
    }

    /// The ticked options of one group, in the order the form shows them.
    static func ticked(_ prefix: String, _ table: [String: [String]], defaults: [String], in form: [String: String]) -> [String] {
        choices(prefix, table, defaults: defaults).filter { form[$0.field] != nil }.map(\.name)
    }
}

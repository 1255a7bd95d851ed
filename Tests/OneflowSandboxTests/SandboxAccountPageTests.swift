import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

@Suite("Sandbox account page")
struct SandboxAccountPageTests {
    /// A seeded account with our template group (and so its employment template).
    func seeded(_ h: SandboxHarness, _ name: String = "Acme AB") async throws -> AccountRecord {
        let (credentials, created) = try await h.newAccount(name)
        _ = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
        return try await h.sandbox.store.account(id: created.account_id)
    }

    @Test("lists the account's workspaces, users, templates and plan; without ?account, the newest account")
    func lists() async throws {
        try await withSandbox { h in
            // given
            let account = try await seeded(h)
            _ = try await h.newAccount("Newer AB")
            // when
            let page = try await h.page("/sandbox/account?account=\(account.id)")
            let newest = try await h.page("/sandbox/account")
            // then
            #expect(page.status == 200)
            let html = page.html
            #expect(html.contains("<h1>Account</h1>"))
            for workspace in account.workspaces {
                #expect(html.contains("<td>\(workspace.name)</td><td>Acme AB</td><td>\(workspace.registrationNumber)</td>"))
            }
            #expect(html.contains("admin@account\(account.id).sandbox.example"))
            #expect(html.contains("Every workspace; may create contracts in all"))
            #expect(html.contains("Hanna HR") && html.contains("HR: may create"))
            #expect(html.contains("<td>Non-disclosure agreement</td><td>HR</td><td>No template group</td>"))
            #expect(html.contains("<td>Employment contract</td><td>HR</td><td>HR Bridge</td>"))
            #expect(html.contains("standard_esign (preferred), sms, swedish_bankid"))
            #expect(html.contains("Publishing allowed"))
            #expect(newest.html.contains("selected>Newer AB"))
        }
    }

    @Test("each form adds what it names, and the page says so")
    func forms() async throws {
        try await withSandbox { h in
            // given
            let account = try await seeded(h)
            let (hr, sales) = (account.workspaces[0].id, account.workspaces[1].id)
            let id = String(account.id)

            // when a workspace, a user, a template are added and publishing is turned off
            let workspacePage = try await h.submitAndFollow("/sandbox/account/workspaces", [("account", id), ("name", "Legal")])
            let userPage = try await h.submitAndFollow(
                "/sandbox/account/users",
                [
                    ("account", id), ("email", "sam@acme.example"), ("name", "Sam Sales"), ("grant_\(hr)", "view"), ("grant_\(sales)", "create"),
                ])
            let templatePage = try await h.submitAndFollow(
                "/sandbox/account/templates",
                [
                    ("account", id), ("name", "Offer letter"), ("workspace_id", String(sales)), ("template_type_id", ""),
                    ("delivery_email", "on"), ("sign_swedish_bankid", "on"), ("sign_standard_esign", "on"), ("two_step_none", "on"),
                ])
            let planPage = try await h.submitAndFollow("/sandbox/account/publishing", [("account", id), ("publishing", "off")])

            // then
            #expect(workspacePage.html.contains("Added the workspace Legal."))
            #expect(workspacePage.html.contains("<td>Legal</td>"))
            #expect(userPage.html.contains("Added the user Sam Sales (sam@acme.example) as a user."))
            #expect(userPage.html.contains("HR: may view · Sales: may create"))
            #expect(templatePage.html.contains("Added the template Offer letter."))
            #expect(templatePage.html.contains("<td>Offer letter</td><td>Sales</td><td>No template group</td>"))
            #expect(planPage.html.contains("No publishing"))

            let after = try await h.sandbox.store.account(id: account.id)
            #expect(after.workspaces.map(\.name) == ["HR", "Sales", "Legal"])
            let user = try #require(after.user(email: "sam@acme.example"))
            #expect(user.role == "user")
            #expect(user.grants == [WorkspaceGrant(workspaceID: hr, canCreate: false), WorkspaceGrant(workspaceID: sales, canCreate: true)])
            let template = try #require(await h.sandbox.store.templates(accountID: account.id).first { $0.name == "Offer letter" })
            #expect(template.templateTypeID == nil)
            #expect(template.workspaceID == sales)
            #expect(template.deliveryChannels.map(\.name) == ["email"])
            // The defaults' order: the first ticked default is the preferred sign method.
            #expect(template.signMethods.map(\.name) == ["standard_esign", "swedish_bankid"])
            #expect(template.signMethods.first?.preferred == true)
            #expect(template.twoStepMethods.map(\.name) == ["none"])
            #expect(after.canPublish == false)
        }
    }

    @Test("the template form offers Oneflow's defaults, ticked, and every group including none")
    func templateFormDefaults() async throws {
        try await withSandbox { h in
            // given
            let account = try await seeded(h)
            // when
            let html = try await h.page("/sandbox/account?account=\(account.id)").html
            // then
            for name in TemplateOptions.defaultDelivery { #expect(html.contains("name=\"delivery_\(name)\" checked")) }
            for name in TemplateOptions.defaultSign { #expect(html.contains("name=\"sign_\(name)\" checked")) }
            for name in TemplateOptions.defaultTwoStep { #expect(html.contains("name=\"two_step_\(name)\" checked")) }
            #expect(html.contains("name=\"sign_eid_sign\" >"))
            #expect(html.contains("<option value=\"\" >No template group</option>"))
        }
    }

    /// A form the store refuses: `ACCOUNT` and `WORKSPACE` in a value stand for the seeded account's.
    struct Refusal: Sendable, CustomTestStringConvertible {
        var path: String
        var fields: [String: String]
        var message: String
        var testDescription: String { "\(path) \(fields)" }
    }

    @Test(
        "a refused form shows the store's reason on the page, not an error page",
        arguments: [
            Refusal(
                path: "/sandbox/account/workspaces", fields: ["name": " "],
                message: "Could not add the workspace: The request contains invalid parameters. name: Must be 1–100 characters."),
            Refusal(
                path: "/sandbox/account/users", fields: ["email": "HR@ACCOUNT.sandbox.example", "name": "Twin"],
                message: "email: A user with this email exists."),
            Refusal(path: "/sandbox/account/users", fields: ["email": "no-at-sign", "name": "Nobody"], message: "email: Must be an email address."),
            Refusal(
                path: "/sandbox/account/templates", fields: ["name": "Bare", "workspace_id": "WORKSPACE", "sign_sms": "on", "two_step_none": "on"],
                message: "Could not add the template: The request contains invalid parameters. delivery_channels: Must be one or more of"),
            Refusal(
                path: "/sandbox/account/templates", fields: ["name": "Elsewhere", "workspace_id": "1", "delivery_email": "on"],
                message: "workspace_id: No such workspace in the account."),
        ])
    func refused(_ refusal: Refusal) async throws {
        try await withSandbox { h in
            // given
            let account = try await seeded(h)
            let templates = await h.sandbox.store.templates(accountID: account.id)
            let fields = refusal.fields.sorted { $0.key < $1.key }.map {
                (
                    $0.key,
                    $0.value.replacingOccurrences(of: "ACCOUNT", with: "account\(account.id)")
                        .replacingOccurrences(of: "WORKSPACE", with: String(account.workspaces[0].id))
                )
            }
            // when
            let page = try await h.submitAndFollow(refusal.path, [("account", String(account.id))] + fields)
            // then
            #expect(page.status == 200)
            #expect(
                page.html.contains(refusal.message),
                "\(page.html.components(separatedBy: "role=\"status\">").dropFirst().first?.prefix(200) ?? "no message")")
            #expect(try await h.sandbox.store.account(id: account.id) == account)
            #expect(await h.sandbox.store.templates(accountID: account.id) == templates)
        }
    }

    @Test("a form for an account that does not exist says so")
    func unknownAccount() async throws {
        try await withSandbox { h in
            // given
            _ = try await seeded(h)
            // when
            let page = try await h.submitAndFollow("/sandbox/account/workspaces", [("account", "999999"), ("name", "Ghost")])
            // then
            #expect(page.status == 200)
            #expect(page.html.contains("Could not add the workspace: The account was not found."))
        }
    }
}

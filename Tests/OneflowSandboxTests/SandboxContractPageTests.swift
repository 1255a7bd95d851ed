import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

@Suite("Sandbox contract page (the employee's view)")
struct SandboxContractPageTests {
    struct Made {
        var credentials: OneflowCredentials
        var contractID: Int
        var employeeID: Int
    }

    /// Through `POST /v1/contracts/create`, from `templateName`: the creator is an organizer,
    /// not a signatory, so the employee's signature is the last one. A webhook on our group
    /// sends to the receiver.
    func made(_ h: SandboxHarness, from templateName: String = "Employment contract", publish: Bool = true) async throws -> Made {
        let (credentials, account) = try await h.newAccount("Acme AB")
        let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
        _ = try await h.client.replaceDataFields(
            credentials, templateTypeID: type.id, [DataFieldInput(customID: "employee_number", name: "Employee number")])
        _ = try await h.client.createWebhook(
            credentials, WebhookInput(callbackURL: h.receiver.url, signKey: "k", templateGroupID: type.id, filters: nil))
        let template = try #require(await h.sandbox.store.templates(accountID: account.account_id).first { $0.name == templateName })
        let created = try await h.api(
            credentials.token, as: try #require(account.user_emails.first), "/contracts/create",
            [
                "workspace_id": template.workspaceID, "template_id": template.id,
                "data_fields": template.templateTypeID == nil ? [] : [["custom_id": "employee_number", "value": "10023"]],
                "parties": [
                    [
                        "type": "individual",
                        "participant": [
                            "name": "Jane Doe", "email": "jane@example.com", "signatory": true, "delivery_channel": "email",
                            "sign_method": "standard_esign",
                        ],
                    ]
                ],
            ])
        let id = try #require(created["id"] as? Int)
        if publish { try await h.act("publish", contract: id) }
        let employee = try #require(try await h.sandbox.store.contract(accountID: account.account_id, id: id).employee)
        return Made(credentials: credentials, contractID: id, employeeID: employee.id)
    }

    func events(_ h: SandboxHarness, _ contractID: Int) async -> [String] {
        await h.sandbox.store.deliveries().filter { $0.contractID == contractID && $0.callbackURL == h.receiver.url }.flatMap {
            $0.events.map(\.type)
        }
    }

    @Test("a sent contract shows its details and Sign; signing makes it signed and sends contract:sign to its group's webhook")
    func sign() async throws {
        try await withSandbox { h in
            // given
            let c = try await made(h)
            let action = "/sandbox/contracts/\(c.contractID)/participants/\(c.employeeID)/sign"
            // when
            let before = try await h.page("/sandbox/contracts/\(c.contractID)")
            let after = try await h.submitAndFollow(action, [])
            // then
            #expect(before.status == 200)
            #expect(before.html.contains("<h1>Employment contract</h1>"))
            #expect(before.html.contains("from Acme AB"))
            #expect(before.html.contains("<dt>Employee number</dt><dd>10023</dd>"))
            #expect(before.html.contains("<td>Jane Doe</td><td>Jane Doe</td><td>Signatory</td>"))
            #expect(before.html.contains("<td>Sandbox Admin</td><td>Acme AB</td><td>Organizer</td>"))
            #expect(before.html.contains("action=\"\(action)\"><button type=\"submit\">Sign as Jane Doe</button>"))
            #expect(before.html.contains("/participants/\(c.employeeID)/decline"))
            #expect(after.html.contains("Signed as Jane Doe. The contract is signed."))
            #expect(!after.html.contains("Sign as Jane Doe"))
            #expect(try await h.client.contract(c.credentials, id: c.contractID).state == .signed)
            let sent = await events(h, c.contractID)
            #expect(sent.contains("contract:sign"))
            #expect(sent.contains("participant:sign"))
        }
    }

    @Test("declining makes the contract declined and sends contract:decline")
    func decline() async throws {
        try await withSandbox { h in
            // given
            let c = try await made(h)
            // when
            let after = try await h.submitAndFollow("/sandbox/contracts/\(c.contractID)/participants/\(c.employeeID)/decline", [])
            // then
            #expect(after.html.contains("Jane Doe declined. The contract is declined."))
            #expect(after.html.contains("Declined: this contract will not be signed."))
            #expect(try await h.client.contract(c.credentials, id: c.contractID).state == .declined)
            #expect(await events(h, c.contractID).contains("contract:decline"))
        }
    }

    @Test("a draft offers nothing to sign, and a sign posted anyway is refused on the page")
    func draft() async throws {
        try await withSandbox { h in
            // given
            let c = try await made(h, publish: false)
            // when
            let page = try await h.page("/sandbox/contracts/\(c.contractID)")
            let refused = try await h.submitAndFollow("/sandbox/contracts/\(c.contractID)/participants/\(c.employeeID)/sign", [])
            // then
            #expect(page.html.contains("not sent yet"))
            #expect(!page.html.contains("Sign as"))
            #expect(refused.html.contains("Could not sign: The contract is draft; only a sent contract can be signed or declined."))
            #expect(try await h.client.contract(c.credentials, id: c.contractID).state == .draft)
            #expect(await events(h, c.contractID).isEmpty)
        }
    }

    @Test("the contracts list links each contract to its page and names a template in no group")
    func listLinks() async throws {
        try await withSandbox { h in
            // given
            let c = try await made(h, from: "Non-disclosure agreement")
            let accountID = try #require(await h.sandbox.store.accountID(ofContract: c.contractID))
            // when
            let list = try await h.page("/sandbox/contracts?account=\(accountID)")
            let missing = try await h.page("/sandbox/contracts/999999")
            // then
            #expect(list.html.contains("<a href=\"/sandbox/contracts/\(c.contractID)\">Non-disclosure agreement</a>"))
            #expect(list.html.contains("<td>No template group</td>"))
            #expect(missing.status == 404)
        }
    }
}

import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// "Sending contracts": an installation's defaults, chosen from what Oneflow offers, checked
/// with Oneflow when saved, and used by every request that does not choose otherwise.
@Suite("Contract requests: sending settings")
struct SendingSettingsTests {
    @Test("the admin chooses the HR user, a template and SMS delivery: saved after Oneflow's check; the next request uses them")
    func savedDefaultsApply() async throws {
        try await withRequestFixture { r in
            // Given the admin on the installation's Sending contracts page
            let admin = try await AdminTests().signIn(r.f)
            let path = "/admin/installations/\(r.installationID)/sending"
            let installationPage = try await admin.get("/admin/installations/\(r.installationID)")
            #expect(installationPage.body.contains(path))
            let page = try await admin.get(path)
            #expect(page.status == 200, "\(page.body)")
            let hr = "hr@account\(r.f.accountID).sandbox.example"
            #expect(page.body.contains(#"<option value="\#(hr)""#))
            #expect(page.body.contains("Not saved yet"))
            let template = try #require(page.body.firstMatch(of: /<select id="template_id" name="template_id"><option value="([0-9]+)"/)?.1)

            // When they save the HR user, SMS delivery and their own subject
            let saved = try await admin.post(
                path,
                form: [
                    "csrf_token": try #require(page.csrfToken), "sender_email": hr, "template_id": String(template), "delivery_channel": "sms",
                    "sign_method": "standard_esign", "two_step_authentication_method": "none", "subject": "Welcome to {company}, {first_name}",
                    "action": "save",
                ])

            // Then it is stored and on the audit trail
            #expect(saved.status == 303, "\(saved.body)")
            let settings = try #require(try await SendingSettings.of(r.installationID, on: r.f.db))
            #expect(settings.senderEmail == hr)
            #expect(settings.deliveryChannel == "sms")
            #expect(try await AuditEvent.query(on: r.f.db).filter(\.$action == "sending.settings_saved").count() == 1)

            // When a request chooses nothing: SMS needs the new hire's phone
            var hire = RequestFixture.newHire()
            hire["person"] = ["name": "Grace Hopper", "email": "grace@example.com"]
            let refused = try await r.post(hire)
            #expect(try r.problems(refused)["person.phone"] == "Missing: phone number, required by delivery channel sms.")
            // and with one, the contract is made as the HR user, delivered by SMS, with the saved subject
            let accepted = try r.json(try await r.post(RequestFixture.newHire()))
            await r.f.drain()
            let contractID = try #require(try await r.request(accepted.id).oneflow_contract_id)
            let contract = try await r.f.r.oneflow.contract(r.f.credentials, id: contractID)
            #expect(contract.counterparties.first?.participant?.deliveryChannel == "sms")
            #expect(contract.parties.first { $0.myParty == true }?.allParticipants.contains { $0.email == hr } == true)
            let plan = try JSONDecoder().decode(
                ContractRequestPlan.self, from: Data(try #require(try await ContractRequest.find(accepted.id, on: r.f.db)).input.utf8))
            #expect(plan.subject == "Welcome to Acme AB, Grace")
        }
    }

    @Test("a user who may not create contracts from our templates is refused beside the field; a saved sender who leaves makes requests say so")
    func senderChecked() async throws {
        try await withRequestFixture { r in
            // Given a user of the account without contract rights anywhere
            let outsider = "viewer@example.com"
            let user: [String: Any] = ["token": r.f.token, "email": outsider, "name": "Vera Viewer", "admin": false]
            #expect(try await r.f.r.control("/users", json: user).status == 200)
            let admin = try await AdminTests().signIn(r.f)
            let path = "/admin/installations/\(r.installationID)/sending"
            let page = try await admin.get(path)

            // When the admin tries to save them as the sender
            let refused = try await admin.post(path, form: ["csrf_token": try #require(page.csrfToken), "sender_email": outsider, "action": "save"])

            // Then it is refused with the reason, and nothing stored
            #expect(refused.status == 422)
            #expect(refused.body.contains("viewer@example.com may not create contracts from any active template"), "\(refused.body)")
            #expect(try await SendingSettings.of(r.installationID, on: r.f.db) == nil)

            // Given the HR user saved as sender, who then leaves the account
            let hr = "hr@account\(r.f.accountID).sandbox.example"
            let check = try await admin.post(path, form: ["csrf_token": try #require(page.csrfToken), "sender_email": hr, "action": "check"])
            let template = try #require(check.body.firstMatch(of: /<select id="template_id" name="template_id"><option value="([0-9]+)"/)?.1)
            let ok = try await admin.post(
                path, form: ["csrf_token": try #require(page.csrfToken), "sender_email": hr, "template_id": String(template), "action": "save"])
            #expect(ok.status == 303, "\(ok.body)")
            #expect(try await r.f.r.control("/users/active", json: ["token": r.f.token, "email": hr, "active": false]).status < 300)

            // Then a request says who to choose instead
            let page409 = try await r.post(RequestFixture.newHire())
            #expect(page409.status == 409)
            #expect(page409.body.contains("no longer an active Oneflow user"))
        }
    }

    @Test("the setup success page's step: for the browser that ran the setup, saved there")
    func setupStep() async throws {
        try await withRunningApp(["API_KEYS": testAPIKey]) { r in
            let account = try await r.newAccount()
            let (browser, done) = try await SetupFlowTests().runSetup(r, token: account.token)
            let installation = try #require(try await Installation.query(on: r.app.db).first())
            let path = "/setup/complete/\(installation.id!)/sending"
            #expect(done.body.contains(path))

            // Another browser does not see it
            #expect(try await r.browser().get(path).status == 404)

            // The one that ran the setup saves the defaults there
            let page = try await browser.get(path)
            #expect(page.status == 200)
            let template = try #require(page.body.firstMatch(of: /<select id="template_id" name="template_id"><option value="([0-9]+)"/)?.1)
            let admin = "admin@account\(account.id).sandbox.example"
            let saved = try await browser.post(
                path, form: ["csrf_token": try #require(page.csrfToken), "sender_email": admin, "template_id": String(template), "action": "save"])
            #expect(saved.status == 200, "\(saved.body)")
            #expect(saved.body.contains("are now sent as \(admin)"))
            #expect(try await SendingSettings.of(installation.id!, on: r.app.db)?.senderEmail == admin)
        }
    }
}

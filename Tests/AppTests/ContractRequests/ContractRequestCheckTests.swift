import Foundation
import OneflowAPI
import Testing

@testable import App

/// What is refused before Oneflow is called, each problem named by its field in words an HR
/// admin can act on (`ContractRequestCheck`), over HTTP and as a pure function.
@Suite("Contract requests: checks")
struct ContractRequestCheckTests {
    @Test("a request with every kind of problem: 422 listing each field, nothing stored, nothing sent to Oneflow")
    func everyProblemAtOnce() async throws {
        try await withRequestFixture { r in
            // Given a new hire with a bad email and phone, an unknown field, a wrong date and no start date
            let page = try await r.post([
                "person": ["name": "", "email": "not-an-email", "phone": "0701234567", "personal_number": String(repeating: "1", count: 30)],
                "fields": ["salary": "50000", "shoe_size": "44"], "delivery_channel": "carrier_pigeon", "name": String(repeating: "x", count: 131),
            ])

            // Then each is named
            #expect(page.status == 422, "\(page.body)")
            let problems = try r.problems(page)
            #expect(problems["person.name"]?.contains("Required") == true)
            #expect(problems["person.email"] == "Not an email address.")
            #expect(problems["person.phone"]?.contains("+46701234567") == true)
            #expect(problems["person.personal_number"] == "At most 25 characters.")
            #expect(problems["fields.shoe_size"]?.contains("Not a field the contract fills") == true)
            #expect(problems["fields.start_date"] == "Start date is required.")
            #expect(
                problems["delivery_channel"]?.hasPrefix("Delivery channel carrier_pigeon is not available in this template (available: email") == true
            )
            #expect(problems["name"] == "At most 130 characters.")
            // and nothing was stored or sent
            #expect(try await ContractRequest.query(on: r.f.db).count() == 0)
            #expect(try await r.sandboxContracts().isEmpty)
        }
    }

    @Test("what the chosen delivery channel and sign method need of the signer; a date that is no day")
    func optionsNeedDetails() async throws {
        try await withRequestFixture { r in
            // When SMS delivery and BankID are chosen for a new hire without phone or personal number
            let page = try await r.post([
                "person": ["name": "Linus Torvalds", "email": "linus@example.com"], "fields": ["start_date": "2027-02-30"],
                "delivery_channel": "sms", "sign_method": "swedish_bankid",
            ])

            // Then the phone and the personal number are asked for, with the reason, and the date refused
            #expect(page.status == 422)
            let problems = try r.problems(page)
            #expect(problems["person.phone"] == "Missing: phone number, required by delivery channel sms.")
            #expect(problems["person.personal_number"] == "Missing: personal number, required by sign method swedish_bankid.")
            #expect(problems["fields.start_date"]?.contains("YYYY-MM-DD") == true)
        }
    }

    @Test("who signs: either an employee or a person, and the employee must be this installation's")
    func whoSigns() async throws {
        try await withRequestFixture { r in
            let both = try await r.post(["employee_id": UUID().uuidString, "person": ["name": "A"], "fields": ["start_date": "2027-01-01"]])
            #expect(both.status == 422)
            #expect(try r.problems(both)["person"]?.contains("not both") == true)
            let neither = try await r.post(["fields": ["start_date": "2027-01-01"]])
            #expect(try r.problems(neither)["employee_id"]?.contains("or person") == true)
            let unknown = try await r.post(["employee_id": UUID().uuidString])
            #expect(try r.problems(unknown)["employee_id"] == "No such employee in this installation.")
        }
    }

    @Test("a template outside our group, or in another workspace than named, is refused with the reason")
    func templateChoice() async throws {
        try await withRequestFixture { r in
            // Given the account's template outside any group (the sandbox seeds one)
            let all = try await r.f.r.oneflow.allTemplates(r.f.credentials)
            let outside = try #require(all.first { $0.templateType?.id != r.f.typeID })
            let ours = try #require(all.first { $0.templateType?.id == r.f.typeID })

            let wrongTemplate = try await r.post(RequestFixture.newHire().merging(["template_id": outside.id]) { _, b in b })
            #expect(wrongTemplate.status == 422)
            #expect(try r.problems(wrongTemplate)["template_id"]?.contains("not an active template of the HR Bridge template group") == true)

            let wrongWorkspace = try await r.post(RequestFixture.newHire().merging(["template_id": ours.id, "workspace_id": 1]) { _, b in b })
            #expect(try r.problems(wrongWorkspace)["workspace_id"]?.contains("belongs to workspace") == true)
        }
    }

    @Test("bodies that are not requests: 415 without JSON, 400 with the field of the wrong type")
    func malformed() async throws {
        try await withRequestFixture { r in
            let form = try await r.f.r.browser().send(
                .POST, "/api/v1/contract-requests", body: "a=b", contentType: "application/x-www-form-urlencoded",
                headers: ["authorization": "Bearer \(testAPIKey)"])
            #expect(form.status == 415)
            let typed = try await r.post(["installation_id": r.installationID.uuidString, "send": "yes", "person": ["name": "A"]])
            #expect(typed.status == 400)
            #expect(typed.body.contains("send has the wrong type"), "\(typed.body)")
        }
    }

    @Test("subject and message: the defaults filled with the signer and the company")
    func placeholders() {
        let signer = ContractRequestPlan.Signer(name: "Grace Brewster Hopper", email: nil, phone: nil, title: "Admiral")
        let text = ContractRequestPlan.fill(
            "Hi {first_name} ({name}), {job_title} at {company} from {start_date}.", signer: signer, hrFields: ["start_date": "2027-03-01"],
            company: "Acme AB")
        #expect(text == "Hi Grace (Grace Brewster Hopper), Admiral at Acme AB from 2027-03-01.")
    }

    @Test("phone numbers as people write them are sent in Oneflow's form")
    func phones() {
        #expect(ContractRequestCheck.compactPhone("+46 70-123 45 67") == "+46701234567")
        #expect(ContractRequestCheck.isE164("+46701234567"))
        #expect(!ContractRequestCheck.isE164("0701234567"))
        #expect(!ContractRequestCheck.isE164("+0701234567"))
    }

    @Test("Oneflow's parameters in an HR admin's words")
    func oneflowWords() {
        #expect(OneflowWords.field("parties[0].participant.phone_number") == "the signer's phone")
        #expect(OneflowWords.field("my_party.participants[1].email") == "our side's email")
        #expect(OneflowWords.field("data_fields[3].custom_id") == "a data field")
        #expect(OneflowWords.field("template_id") == "the template")
        #expect(OneflowWords.field("something_new") == "something_new")
    }

    @Test("a message of thousands of non-ASCII characters fits (the route takes 64 kB, not the default 16)")
    func longMessage() async throws {
        try await withRequestFixture { r in
            var hire = RequestFixture.newHire()
            hire["message"] = String(repeating: "é", count: 9_000)
            let page = try await r.post(hire)
            #expect(page.status == 202, "\(page.status) \(page.body.prefix(200))")
        }
    }

    @Test("text with a NUL character is refused with the reason (PostgreSQL stores none), not a server error")
    func nul() async throws {
        try await withRequestFixture { r in
            var hire = RequestFixture.newHire()
            hire["name"] = "Contract\u{0}"
            let page = try await r.post(hire)
            #expect(page.status == 422, "\(page.status) \(page.body.prefix(200))")
            #expect(try r.problems(page)["body"]?.contains("NUL") == true)
        }
    }
}

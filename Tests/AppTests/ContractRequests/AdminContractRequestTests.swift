import Fluent
import Foundation
import Testing

@testable import App

/// The admin's side of contract requests: "New contract" on an employee, "New hire",
/// "Contracts sent" and a request's page.
@Suite("Contract requests: admin pages")
struct AdminContractRequestTests {
    /// An employee from a signed contract of `f`'s installation.
    func employee(_ f: SyncFixture) async throws -> Employee {
        let id = try await f.signedContract()
        _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"]))
        await f.drain()
        return try #require(try await f.employees().first)
    }

    @Test("New contract: pre-filled from the employee; Preview shows what goes to Oneflow; Send creates it; its page has the whole history")
    func newContractForEmployee() async throws {
        try await withRequestFixture { r in
            // Given an employee and a signed-in admin on their page
            let employee = try await employee(r.f)
            let admin = try await AdminTests().signIn(r.f)
            let page = try await admin.get("/admin/employees/\(employee.id!)")
            #expect(page.body.contains("/admin/employees/\(employee.id!)/new-contract"))

            // When the admin opens New contract
            let form = try await admin.get("/admin/employees/\(employee.id!)/new-contract")

            // Then the data fields hold the employee's values, and the template and options are offered
            #expect(form.status == 200, "\(form.body)")
            #expect(form.body.contains(#"name="fields[start_date]" value="2020-01-01""#), "\(form.body)")
            #expect(form.body.contains(#"name="fields[salary]" value="42000 SEK""#))
            #expect(form.body.contains(#"<option value="email" selected>email (needs email)</option>"#))
            let key = try #require(form.body.firstMatch(of: /name="idempotency_key" value="([^"]+)"/)?.1)

            // When the salary is changed and Preview pressed
            var fields = [
                "csrf_token": try #require(form.csrfToken), "installation_id": r.installationID.uuidString, "employee_id": employee.id!.uuidString,
                "fields[start_date]": "2020-01-01", "fields[salary]": "61000 SEK", "delivery_channel": "email", "sign_method": "standard_esign",
                "subject": "Your new contract", "message": "Please sign.", "idempotency_key": String(key), "action": "preview",
            ]
            let preview = try await admin.post("/admin/contract-requests/new", form: fields)

            // Then the page shows what would be sent, and nothing is made
            #expect(preview.status == 200, "\(preview.body)")
            #expect(preview.body.contains("What goes to Oneflow"))
            #expect(preview.body.contains("61000 SEK"))
            #expect(try await ContractRequest.query(on: r.f.db).count() == 0)

            // When Send is pressed (twice: a double click)
            fields["action"] = "send"
            let sent = try await admin.post("/admin/contract-requests/new", form: fields)
            let again = try await admin.post("/admin/contract-requests/new", form: fields)

            // Then one request is made, and its page follows it
            #expect(sent.status == 303)
            #expect(again.location == sent.location)
            #expect(try await ContractRequest.query(on: r.f.db).count() == 1)
            await r.f.drain()
            let request = try await admin.get(try #require(sent.location))
            #expect(request.body.contains("request-sent"), "\(request.body)")
            #expect(request.body.contains("Created in Oneflow as a draft"))
            #expect(request.body.contains("Open in Oneflow"))
            let list = try await admin.get("/admin/contract-requests?state=sent")
            #expect(list.body.contains(try #require(sent.location)))
            let employeePage = try await admin.get("/admin/employees/\(employee.id!)")
            #expect(employeePage.body.contains("Contracts sent from HR"))
        }
    }

    @Test("New hire: what is missing is said beside its field (422); a draft can then be sent from its page, or deleted")
    func newHire() async throws {
        try await withRequestFixture { r in
            let admin = try await AdminTests().signIn(r.f)
            let form = try await admin.get("/admin/contract-requests/new")
            #expect(form.status == 200)
            #expect(form.body.contains(#"name="person_name""#))

            // When the form is sent without a start date and with a bad email
            var fields = [
                "csrf_token": try #require(form.csrfToken), "installation_id": r.installationID.uuidString, "person_name": "Alan Turing",
                "person_email": "alan(at)example.com", "delivery_channel": "email", "sign_method": "standard_esign", "action": "draft",
            ]
            let refused = try await admin.post("/admin/contract-requests/new", form: fields)

            // Then each problem is beside its field, and the typed values stay
            #expect(refused.status == 422)
            #expect(refused.body.contains(#"id="person_email-problem">Not an email address."#), "\(refused.body)")
            #expect(refused.body.contains(#"id="field-start_date-problem">Start date is required."#))
            #expect(refused.body.contains(#"value="Alan Turing""#))

            // When corrected and saved as a draft
            fields["person_email"] = "alan@example.com"
            fields["fields[start_date]"] = "2027-06-01"
            let saved = try await admin.post("/admin/contract-requests/new", form: fields)
            #expect(saved.status == 303, "\(saved.body)")
            await r.f.drain()
            let path = try #require(saved.location)
            let draft = try await admin.get(path)
            #expect(draft.body.contains("request-draft"))

            // Then Send on its page sends it
            let send = try await admin.post(path + "/send", form: ["csrf_token": try #require(draft.csrfToken)])
            #expect(send.status == 303)
            await r.f.drain()
            #expect(try await admin.get(path).body.contains("request-sent"))
            #expect(try await r.f.employees().first?.name == "Alan Turing")
        }
    }
}

import Fluent
import Foundation
import Testing

@testable import App

/// Each customer's contract requests stay its own: a scoped key works on its installation only.
@Suite("Contract requests: customers apart")
struct ContractRequestScopeTests {
    @Test("an installation's key makes and sees its own requests; another's id is 404; an operator key names the installation")
    func scopedKeys() async throws {
        try await withRequestFixture { r in
            // Given two installations, each with a key, and a request of each
            let (beta, keyA, keyB) = try await r.secondInstallationWithKeys()
            let a = try await r.post(RequestFixture.newHire(), key: keyA)
            #expect(a.status == 202, "\(a.body)")
            let requestA = try r.json(a)
            #expect(requestA.installation?.id == r.installationID)
            let requestB = try r.json(try await r.post(RequestFixture.newHire("Ada Lovelace", email: "ada@example.com"), key: keyB))

            // Then each key sees its own only
            #expect(try await r.send(.GET, "/api/v1/contract-requests/\(requestB.id)", key: keyA).status == 404)
            #expect(try await r.send(.POST, "/api/v1/contract-requests/\(requestB.id)/send", key: keyA).status == 404)
            #expect(try await r.send(.DELETE, "/api/v1/contract-requests/\(requestB.id)", key: keyA).status == 404)
            let listA = try JSONDecoder().decode(
                ContractRequestListJSON.self, from: Data(try await r.send(.GET, "/api/v1/contract-requests", key: keyA).body.utf8))
            #expect(listA.data.map(\.id) == [requestA.id])
            // and naming the other installation is 404, for requests and templates alike
            var intoB = RequestFixture.newHire()
            intoB["installation_id"] = beta.id!.uuidString
            #expect(try await r.post(intoB, key: keyA).status == 404)
            #expect(try await r.send(.GET, "/api/v1/templates?installation_id=\(beta.id!)", key: keyA).status == 404)
            // and an employee of another installation is no employee here
            let employeeB = Employee(installationID: try beta.requireID())
            employeeB.name = "Other Person"
            try await employeeB.create(on: r.f.db)
            let page = try await r.post(["employee_id": employeeB.id!.uuidString], key: keyA)
            #expect(try r.problems(page)["employee_id"] == "No such employee in this installation.")

            // An operator key sees both, and must name the installation to make one
            let all = try JSONDecoder().decode(
                ContractRequestListJSON.self, from: Data(try await r.send(.GET, "/api/v1/contract-requests").body.utf8))
            #expect(Set(all.data.map(\.id)) == [requestA.id, requestB.id])
            let unnamed = try await r.f.r.browser().send(
                .POST, "/api/v1/contract-requests", body: #"{"person":{"name":"X"}}"#, contentType: "application/json",
                headers: ["authorization": "Bearer \(testAPIKey)"])
            #expect(try r.problems(unnamed)["installation_id"]?.contains("operator key names the installation") == true)
        }
    }

    @Test("GET /api/v1/templates: our group's template, its fields and what each option needs")
    func templates() async throws {
        try await withRequestFixture { r in
            let page = try await r.send(.GET, "/api/v1/templates?installation_id=\(r.installationID)")
            #expect(page.status == 200, "\(page.body)")
            let catalog = try JSONDecoder().decode(SendingCatalogJSON.self, from: Data(page.body.utf8))
            #expect(catalog.sender.email.hasPrefix("admin@"))
            let template = try #require(catalog.data.first)
            #expect(template.default)
            #expect(template.fields.contains { $0.hr_field == "start_date" && $0.required && $0.format == "date" })
            #expect(!template.fields.contains { $0.custom_id == RequestCorrelation.customID })
            #expect(template.delivery_channels.first { $0.name == "sms" }?.needs == ["phone"])
            #expect(template.sign_methods.first { $0.name == "swedish_bankid" }?.needs == ["personal_number"])
            // An operator key must say which installation
            #expect(try await r.send(.GET, "/api/v1/templates").status == 422)
        }
    }
}

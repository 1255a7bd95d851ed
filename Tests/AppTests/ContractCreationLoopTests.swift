import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// The other direction's Oneflow half closes the loop with no new receiver code: a contract
/// created through the API in our template group comes back through our webhook as the employee.
@Suite("HR → Oneflow → HR")
struct ContractCreationLoopTests {
    @Test("created as the HR user, published as its creator, signed by the employee on the sandbox page: the employee record appears")
    func loop() async throws {
        try await withSyncFixture(worker: true) { f in
            // Given our installation, and the account's HR user choosing our template as Oneflow offers it
            let hr = OneflowCredentials(token: f.token, userEmail: "hr@account\(f.accountID).sandbox.example")
            let offered = try await f.r.oneflow.contractCreateData(hr, templateTypeID: f.typeID, extensionType: nil)
            let workspace = try #require(offered.first)
            let template = try #require(workspace.templates.first)
            #expect(template.templateType?.id == f.typeID)

            // When the contract is created with our data fields and the employee as an individual
            let ada = ParticipantInput(
                name: "Ada Lovelace", email: "ada@example.com", phoneNumber: "+46700000001", title: "Engineer",
                signatory: true, deliveryChannel: "email", signMethod: "standard_esign",
                permissions: ["contract:update": false])
            let draft = try await f.r.oneflow.createContract(
                hr,
                ContractCreateInput(
                    workspaceID: workspace.id, templateID: template.id, name: "Employment contract – Ada Lovelace",
                    dataFields: [
                        DataFieldValue(customID: "employee_number", value: "20001"), DataFieldValue(customID: "start_date", value: "2020-02-01"),
                        DataFieldValue(customID: "department", value: "Engineering"),
                    ],
                    parties: [.individual(ada, countryCode: "SE")]))
            // and sent as its creator
            let sent = try await f.r.oneflow.publishContract(
                hr.actingAsCreator(), contractID: draft.id,
                subject: "Your employment contract", message: "Welcome aboard.")
            #expect(sent.state == .pending)
            // and the employee opens it on the sandbox's page and signs
            let participantID = try #require(draft.counterparties.first?.participant?.id)
            let browser = f.r.browser()
            let view = try await browser.get("/sandbox/contracts/\(draft.id)")
            #expect(view.status == 200)
            #expect(view.body.contains("Ada Lovelace"))
            let signed = try await browser.post("/sandbox/contracts/\(draft.id)/participants/\(participantID)/sign", form: [:])
            #expect(signed.status == 303, "\(signed.body)")

            // Then our webhook hears it and the existing sync makes the employee, signed, with the PDF
            let appeared = try await eventually {
                let status = try await f.contractRow(draft.id)?.status
                let documents = try await Document.query(on: f.db).count()
                return status == "signed" && documents == 1
            }
            let outcomes = try await f.deliveries().map { "\($0.status) \($0.outcomeReason ?? "")" }
            #expect(appeared, "deliveries: \(outcomes)")
            let employee = try #require(try await f.employees().first)
            #expect(try await f.employees().count == 1)
            #expect(employee.name == "Ada Lovelace")
            #expect(employee.email == "ada@example.com")
            #expect(employee.employeeNumber == "20001")
            #expect(try await f.contractRow(draft.id)?.startDate == "2020-02-01")
        }
    }
}

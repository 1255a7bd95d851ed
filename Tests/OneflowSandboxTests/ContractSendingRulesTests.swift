import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

/// Publish, data-field updates and signing: their rules and Oneflow's errors.
/// https://developer.oneflow.com/docs/publish-a-contract, /docs/update-a-data-field-value
@Suite("Sending contracts: Oneflow's checks")
struct ContractSendingRulesTests {
    func publish(_ h: SandboxHarness, _ credentials: OneflowCredentials, _ id: Int, subject: String = "Contract", message: String = "Please sign.")
        async throws -> Contract
    {
        try await h.client.publishContract(credentials, contractID: id, subject: subject, message: message)
    }

    @Test("publish: subject and message required; drafts only (409); not on a plan without publishing (402)")
    func publishRules() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let draft = try await setup.draft(h)
            // Given an empty subject → 400 naming it
            let noSubject = await #expect(throws: OneflowError.self) { try await publish(h, setup.hrUser, draft.id, subject: " ") }
            #expect(noSubject?.parameterProblems["subject"] != nil)
            let noMessage = await #expect(throws: OneflowError.self) { try await publish(h, setup.hrUser, draft.id, message: "") }
            #expect(noMessage?.parameterProblems["message"] != nil)
            // Given a plan without publishing → 402, and the contract stays a draft
            try await h.control(.POST, "/plan", ["token": setup.token, "publishing": false])
            let unpaid = await #expect(throws: OneflowError.self) { try await publish(h, setup.hrUser, draft.id) }
            #expect(unpaid?.category == .paymentRequired)
            #expect(try await h.client.contract(setup.admin, id: draft.id).state == .draft)
            // When the plan allows it again, publish works once; a second publish is 409
            // and the sandbox's own publish (its pages, its control API) is refused alike
            await #expect(throws: SandboxHarness.ControlError.self) { try await h.act("publish", contract: draft.id) }
            try await h.control(.POST, "/plan", ["token": setup.token, "publishing": true])
            #expect(try await publish(h, setup.hrUser, draft.id).state == .pending)
            let again = await #expect(throws: OneflowError.self) { try await publish(h, setup.hrUser, draft.id) }
            #expect(again?.category == .conflict)
            // An unknown contract → 404
            #expect(await #expect(throws: OneflowError.self) { try await publish(h, setup.hrUser, 987_654) }?.category == .notFound)
        }
    }

    @Test("a contract with no counterparty cannot be published (409)")
    func nobodyToSend() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let draft = try await setup.draft(h, parties: [])
            #expect(draft.counterparties.isEmpty)
            let error = await #expect(throws: OneflowError.self) { try await publish(h, setup.hrUser, draft.id) }
            #expect(error?.category == .conflict)
        }
    }

    @Test("__CREATOR__ acts as the contract's creator; another user needs access to its workspace (403)")
    func creator() async throws {
        try await withSandbox { h in
            // Given the admin's contract in the Sales workspace, which the HR user cannot see
            let setup = try await ExtensionSetup.make(h)
            let sales = try #require(try await h.client.allWorkspaces(setup.admin).first { $0.name == "Sales" })
            let template: SandboxJSON.Template = try await h.control(
                .POST, "/templates",
                [
                    "token": setup.token, "workspace_id": sales.id, "template_type_id": setup.typeID, "name": "Sales employment",
                ])
            let draft = try await h.client.createContract(
                setup.admin,
                ContractCreateInput(
                    workspaceID: sales.id, templateID: template.id, parties: [ExtensionSetup.employee()]))
            // When the HR user publishes it → 403
            let forbidden = await #expect(throws: OneflowError.self) { try await publish(h, setup.hrUser, draft.id) }
            #expect(forbidden?.category == .forbidden)
            // When the same token publishes as the creator → it is sent
            #expect(try await publish(h, setup.hrUser.actingAsCreator(), draft.id).state == .pending)
        }
    }

    @Test("data-field updates: drafts and pending only (409); an unknown field is 404 by path, 400 in a list")
    func dataFieldRules() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let draft = try await setup.draft(h)
            // An unknown custom id in the path → 404
            let byPath = await #expect(throws: OneflowError.self) {
                try await h.client.updateContractDataField(setup.hrUser, contractID: draft.id, field: .customID("shoe_size"), value: "42")
            }
            #expect(byPath?.category == .notFound)
            // An unknown one in a list → 400 naming the item
            let inList = await #expect(throws: OneflowError.self) {
                try await h.client.updateContractDataFields(
                    setup.hrUser, contractID: draft.id, [ContractDataFieldUpdate(customID: "shoe_size", value: "42")])
            }
            #expect(inList?.parameterProblems["data_fields[0]"] != nil)
            // Once signed, no field changes → 409
            _ = try await publish(h, setup.hrUser, draft.id)
            try await h.act("sign", contract: draft.id)
            let signed = await #expect(throws: OneflowError.self) {
                try await h.client.updateContractDataField(setup.hrUser, contractID: draft.id, field: .customID("job_title"), value: "CTO")
            }
            #expect(signed?.category == .conflict)
        }
    }

    @Test("a body naming another field than the path is 400, whichever key it uses; an update without a value changes nothing and tells no webhook")
    func fieldMismatch() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let draft = try await setup.draft(h)
            let numberID = try #require(draft.dataFields.first { $0.customID == "employee_number" }?.id)
            let email = try #require(setup.hrUser.userEmail)
            // Given the path c::job_title and a body id of employee_number
            let byID = try await h.api(
                .PUT, "/contracts/\(draft.id)/data_fields/c::job_title", token: setup.token, email: email,
                json: #"{"id": \#(numberID), "value": "CTO"}"#)
            #expect(byID.status == 400)
            #expect(byID.body.contains(#""id""#))
            // Given the path by id and a body custom id of another field
            let byCustomID = try await h.api(
                .PUT, "/contracts/\(draft.id)/data_fields/\(numberID)", token: setup.token, email: email,
                json: #"{"_private_ownerside": {"custom_id": "job_title"}, "value": "CTO"}"#)
            #expect(byCustomID.status == 400)
            #expect(byCustomID.body.contains("_private_ownerside.custom_id"))
            // When an item has no value, nothing changes and no data_field:update is sent
            _ = try await h.client.updateContractDataFields(
                setup.hrUser, contractID: draft.id, [ContractDataFieldUpdate(customID: "job_title", value: nil)])
            let events = await h.sandbox.store.deliveries().filter { $0.contractID == draft.id }.flatMap { $0.events.map(\.type) }
            #expect(events.isEmpty)
            // A sent contract is not deleted through the API (409); a draft is
            _ = try await publish(h, setup.hrUser, draft.id)
            let sent = await #expect(throws: OneflowError.self) { try await h.client.deleteContract(setup.hrUser, contractID: draft.id) }
            #expect(sent?.category == .conflict)
        }
    }

    @Test("a path addresses a field by id or c::custom_id; a bare custom id is read as an id")
    func fieldReferences() {
        #expect(FieldReference(path: "c::start_date") == .customID("start_date"))
        #expect(FieldReference(path: "1234") == .id(1234))
        #expect(FieldReference(path: "start_date") == nil)
        #expect(FieldReference(path: "c::") == nil)
    }

    @Test("the employee signs: participant:sign, then contract:sign once every signatory has; or declines")
    func employeeDecides() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let first = try await publish(h, setup.hrUser, try await setup.draft(h).id)
            let second = try await publish(h, setup.hrUser, try await setup.draft(h).id)
            // When the employee of the first signs (the HR creator is an organizer, not a signatory)
            let signed = try await h.sandbox.store.sign(
                contractID: first.id, asParticipant: try #require(first.counterparties.first?.participant?.id))
            // and the employee of the second declines
            let declined = try await h.sandbox.store.decline(
                contractID: second.id, asParticipant: try #require(second.counterparties.first?.participant?.id))
            // Then
            #expect(signed.state == "signed")
            #expect(declined.state == "declined")
            // (the start date is past, so the lifecycle starts at once)
            #expect(signed.events.map(\.type).suffix(3) == ["participant:sign", "contract:sign", "contract:lifecycle_state:start"])
            #expect(declined.events.map(\.type).suffix(2) == ["participant:decline", "contract:decline"])
            // and only the contract events reach our webhook, whose filter has no participant events
            let delivered = await h.sandbox.store.deliveries().filter { $0.contractID == first.id }.flatMap { $0.events.map(\.type) }
            #expect(delivered == ["contract:publish", "contract:sign"])
            // and nobody signs twice
            await #expect(throws: SandboxProblem.self) {
                try await h.sandbox.store.sign(contractID: first.id, asParticipant: first.counterparties.first?.participant?.id ?? 0)
            }
        }
    }

    @Test(
        "errors Oneflow may answer any call with reach the client typed: 422, 429, 5xx",
        arguments: [
            (422, OneflowError.Category.unprocessable), (429, .rateLimited), (500, .serverError), (503, .serverError),
        ])
    func injected(status: Int, category: OneflowError.Category) async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let (workspaceID, templateID) = try await setup.employmentTemplate(h)
            let _: [String: String]? = try? await h.control(.POST, "/faults", ["path": "/contracts/create", "status": status, "count": 1])
            let error = await #expect(throws: OneflowError.self) {
                try await h.client.createContract(setup.hrUser, ContractCreateInput(workspaceID: workspaceID, templateID: templateID))
            }
            #expect(error?.category == category)
            #expect(error?.errorCode == status * 10_000)
            #expect(error?.isRetryable == (status != 422))
            // A create that failed with 5xx may have happened: the caller must look before retrying.
            #expect(error?.outcomeUnknown == (status >= 500))
        }
    }

    @Test("a participant's details change while the contract is a draft (participant:update); an owner-side email cannot; a sent contract's cannot")
    func updateParticipant() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let draft = try await setup.draft(h)
            let employee = try #require(draft.counterparties.first)
            let (partyID, participantID) = (try #require(employee.id), try #require(employee.participant?.id))
            let path = "/contracts/\(draft.id)/parties/\(partyID)/participants/\(participantID)"
            // When the employee's name, email and phone are corrected
            let changed = try await h.api(
                .PUT, path, token: setup.token, email: setup.hrUser.userEmail,
                json: #"{"name": "Jane Smith", "email": "jane.smith@example.com", "phone_number": "+46701234567"}"#)
            // Then the participant (and the individual party's name) say so, with a participant:update event
            #expect(changed.status == 200, "\(changed.body)")
            let after = try await h.client.contract(setup.admin, id: draft.id)
            #expect(after.counterparties.first?.participant?.name == "Jane Smith")
            #expect(after.counterparties.first?.participant?.email == "jane.smith@example.com")
            #expect(after.counterparties.first?.name == "Jane Smith")
            let events = try await h.client.contractEvents(setup.admin, contractID: draft.id, offset: 0, limit: 100).data
            #expect(events.contains { $0.type == "participant:update" })
            // A bad phone is 400 naming it; an owner-side participant's email is not changed
            let phone = try await h.api(.PUT, path, token: setup.token, email: setup.hrUser.userEmail, json: #"{"phone_number": "0701"}"#)
            #expect(phone.status == 400)
            #expect(phone.body.contains("phone_number"))
            let owner = try #require(after.parties.first { $0.myParty == true })
            let ownerPath = "/contracts/\(draft.id)/parties/\(try #require(owner.id))/participants/\(try #require(owner.allParticipants.first?.id))"
            let email = try await h.api(.PUT, ownerPath, token: setup.token, email: setup.hrUser.userEmail, json: #"{"email": "x@example.com"}"#)
            #expect(email.status == 400)
            // Once sent, nothing changes (409)
            _ = try await publish(h, setup.hrUser, draft.id)
            let late = try await h.api(.PUT, path, token: setup.token, email: setup.hrUser.userEmail, json: #"{"name": "Late"}"#)
            #expect(late.status == 409)
        }
    }
}

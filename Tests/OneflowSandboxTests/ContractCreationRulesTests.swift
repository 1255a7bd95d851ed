import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

/// What Oneflow checks when a contract is created, and the error body it answers when a
/// check fails — each rule alone. shared/oneflow-contract-creation.md §4.
@Suite("Creating contracts: Oneflow's checks")
struct ContractCreationRulesTests {
    /// Creates with the defaults of `ExtensionSetup.draft` and `change` applied; returns Oneflow's error.
    func rejected(
        _ h: SandboxHarness, _ setup: ExtensionSetup, as credentials: OneflowCredentials? = nil,
        _ change: (inout ContractCreateInput) -> Void
    ) async throws -> OneflowError? {
        let (workspaceID, templateID) = try await setup.employmentTemplate(h)
        var input = ContractCreateInput(
            workspaceID: workspaceID, templateID: templateID, name: "Employment contract",
            dataFields: [DataFieldValue(customID: "employee_number", value: "10023")],
            parties: [ExtensionSetup.employee()])
        change(&input)
        return await #expect(throws: OneflowError.self) { try await h.client.createContract(credentials ?? setup.hrUser, input) }
    }

    @Test("data fields: only the template type's, by custom id; values up to 1,024 characters")
    func dataFields() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            // Given a custom id our group does not have → 400 naming it
            let unknown = try await rejected(h, setup) { $0.dataFields = [DataFieldValue(customID: "shoe_size", value: "42")] }
            #expect(unknown?.status == 400)
            #expect(unknown?.category == .invalidRequest)
            #expect(unknown?.parameterProblems["data_fields[0].custom_id"]?.contains("shoe_size") == true)
            // Given a value too long
            let long = try await rejected(h, setup) {
                $0.dataFields = [DataFieldValue(customID: "employee_number", value: String(repeating: "x", count: 1025))]
            }
            #expect(long?.parameterProblems["data_fields[0].value"] != nil)
            // Given the template outside our group: it has no data fields at all
            let nda = try #require(try await h.client.allTemplates(setup.admin, query: TemplateQuery()).first { $0.templateType == nil })
            let outside = try await rejected(h, setup) { $0.templateID = nda.id }
            #expect(outside?.parameterProblems["data_fields[0].custom_id"]?.contains("no template group") == true)
        }
    }

    @Test("the acting user: required, a user of the account, allowed to create in the workspace")
    func actingUser() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            // Without x-oneflow-user-email → 400 naming the header
            let anonymous = try await rejected(h, setup, as: OneflowCredentials(token: setup.token)) { _ in }
            #expect(anonymous?.parameterProblems["x-oneflow-user-email"] != nil)
            // An email that is no user of the account → 401
            let stranger = try await rejected(h, setup, as: OneflowCredentials(token: setup.token, userEmail: "someone@else.example")) { _ in }
            #expect(stranger?.category == .unauthorized)
            // The HR user in the Sales workspace, where they have no rights → 403
            let sales = try #require(try await h.client.allWorkspaces(setup.admin).first { $0.name == "Sales" })
            let forbidden = try await rejected(h, setup) { $0.workspaceID = sales.id }
            #expect(forbidden?.category == .forbidden)
            // The admin there, with the HR template → 400: the template is not in that workspace
            let elsewhere = try await rejected(h, setup, as: setup.admin) { $0.workspaceID = sales.id }
            #expect(elsewhere?.parameterProblems["template_id"]?.contains("does not belong") == true)
            // An unknown template → 404; __CREATOR__ on a create → 400
            #expect(try await rejected(h, setup) { $0.templateID = 999_999 }?.category == .notFound)
            #expect(try await rejected(h, setup, as: setup.hrUser.actingAsCreator()) { _ in }?.status == 400)
        }
    }

    @Test("parties: the employee is an individual with one participant; the owner side is a company of users")
    func parties() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let jane = ParticipantInput(
                name: "Jane Doe", email: "jane@example.com", signatory: true, deliveryChannel: "email", signMethod: "standard_esign")
            // An individual sent with a participants array → 400 pointing at it
            let array = try await rejected(h, setup) { $0.parties = [PartyInput(type: .individual, participants: [jane])] }
            #expect(array?.parameterProblems["parties[0].participants"] != nil)
            // No type, or no participant
            #expect(
                try await rejected(h, setup) { $0.parties = [PartyInput(type: "robot", participant: jane)] }?.parameterProblems["parties[0].type"]
                    != nil)
            #expect(try await rejected(h, setup) { $0.parties = [PartyInput(type: .individual)] }?.parameterProblems["parties[0].participant"] != nil)
            // A company counterparty needs a name
            #expect(
                try await rejected(h, setup) { $0.parties = [PartyInput(type: .company, participants: [jane])] }?.parameterProblems["parties[0].name"]
                    != nil)
            // my_party participants must be users of the account
            let owner = MyPartyInput(participants: [ParticipantInput(name: "Eve", email: "eve@example.com", deliveryChannel: "email")])
            #expect(try await rejected(h, setup) { $0.myParty = owner }?.parameterProblems["my_party.participants[0].email"] != nil)
            // A name over 130 characters
            #expect(try await rejected(h, setup) { $0.name = String(repeating: "n", count: 131) }?.parameterProblems["name"] != nil)
        }
    }

    @Test(
        "the participant carries what its delivery channel and sign method need",
        arguments: [
            (ExtensionSetup.employee(email: nil), "parties[0].participant.email"),
            (ExtensionSetup.employee(channel: "sms"), "parties[0].participant.phone_number"),
            (ExtensionSetup.employee(phone: "0701234567", channel: "sms"), "parties[0].participant.phone_number"),
            (ExtensionSetup.employee(signMethod: "swedish_bankid"), "parties[0].participant.identification_number"),
            (ExtensionSetup.employee(channel: "carrier_pigeon"), "parties[0].participant.delivery_channel"),
            (ExtensionSetup.employee(signMethod: "danish_nemid"), "parties[0].participant.sign_method"),
        ])
    func participantNeeds(party: PartyInput, problem: String) async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let error = try await rejected(h, setup) { $0.parties = [party] }
            #expect(error?.status == 400)
            #expect(error?.parameterProblems[problem] != nil, "\(error?.parameterProblems ?? [:])")
        }
    }

    @Test("what each channel and method needs, given, passes: SMS with a phone, BankID with a personal number")
    func participantNeedsMet() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let draft = try await setup.draft(
                h,
                parties: [
                    ExtensionSetup.employee(
                        email: nil, phone: "+46701234567", channel: "sms",
                        signMethod: "swedish_bankid", identification: "19900101-1234")
                ])
            #expect(draft.counterparties.first?.participant?.signMethod == "swedish_bankid")
            #expect(draft.counterparties.first?.participant?.deliveryChannel == "sms")
        }
    }
}

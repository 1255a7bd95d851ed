import AsyncHTTPClient
import Foundation
import NIOCore
import OneflowAPI
import Testing

@testable import OneflowSandbox

/// Who may create what: workspace grants, inactive templates, templates in no group.
@Suite("Creating contracts: rights and templates")
struct ContractCreationAccessTests {
    @Test("a user who may only view a workspace sees it without create rights, is offered nothing there, and is refused (403)")
    func viewOnly() async throws {
        try await withSandbox { h in
            // Given a user who may view HR but not create there
            let setup = try await ExtensionSetup.make(h)
            let hr = try #require(try await h.client.allWorkspaces(setup.admin).first { $0.name == "HR" })
            let _: SandboxJSON.User = try await h.control(
                .POST, "/users",
                [
                    "token": setup.token, "email": "viewer@acme.example", "name": "Vera Viewer",
                    "workspaces": [["workspace_id": hr.id, "can_create": false]],
                ])
            let viewer = OneflowCredentials(token: setup.token, userEmail: "viewer@acme.example")
            // When they list and try to create
            let seen = try await h.client.allWorkspaces(viewer)
            let offered = try await h.client.contractCreateData(viewer, templateTypeID: setup.typeID, extensionType: nil)
            let (_, templateID) = try await setup.employmentTemplate(h)
            let refused = await #expect(throws: OneflowError.self) {
                try await h.client.createContract(
                    viewer, ContractCreateInput(workspaceID: hr.id, templateID: templateID, parties: [ExtensionSetup.employee()]))
            }
            // Then
            #expect(seen.map(\.name) == ["HR"])
            #expect(seen.first?.canCreateContracts == false)
            #expect(offered.isEmpty)
            #expect(refused?.category == .forbidden)
            // and they may not publish the HR user's contract either
            let draft = try await setup.draft(h)
            let publish = await #expect(throws: OneflowError.self) {
                try await h.client.publishContract(viewer, contractID: draft.id, subject: "s", message: "m")
            }
            #expect(publish?.category == .forbidden)
        }
    }

    @Test("an inactive template is listed only with filter[active]=false (or empty), offered by no helper, and refused by create")
    func inactiveTemplate() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let hr = try #require(try await h.client.allWorkspaces(setup.admin).first { $0.name == "HR" })
            let retired: SandboxJSON.Template = try await h.control(
                .POST, "/templates",
                [
                    "token": setup.token, "workspace_id": hr.id, "template_type_id": setup.typeID, "name": "Old employment", "active": false,
                ])
            let active = try await h.client.allTemplates(setup.admin, query: TemplateQuery(templateTypeID: setup.typeID))
            let inactive = try await h.client.allTemplates(setup.admin, query: TemplateQuery(active: .inactiveOnly))
            let all = try await h.client.allTemplates(setup.admin, query: TemplateQuery(templateTypeID: setup.typeID, active: .all))
            let offered = try await h.client.contractCreateData(setup.admin, templateTypeID: setup.typeID, extensionType: nil)
            #expect(active.map(\.name) == ["Employment contract"])
            #expect(inactive.map(\.id) == [retired.id])
            #expect(inactive.first?.active == false)
            #expect(all.count == 2)
            #expect(!offered.flatMap(\.templates).contains { $0.id == retired.id })
            let refused = await #expect(throws: OneflowError.self) {
                try await h.client.createContract(setup.hrUser, ContractCreateInput(workspaceID: hr.id, templateID: retired.id))
            }
            #expect(refused?.parameterProblems["template_id"]?.contains("not active") == true)
        }
    }

    @Test("a contract from a template in no group has no template type, and its publish reaches no webhook of our group")
    func noGroup() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let nda = try #require(try await h.client.allTemplates(setup.admin, query: TemplateQuery()).first { $0.templateType == nil })
            let hr = try #require(try await h.client.allWorkspaces(setup.admin).first { $0.name == "HR" })
            let draft = try await h.client.createContract(
                setup.hrUser,
                ContractCreateInput(
                    workspaceID: hr.id, templateID: nda.id, parties: [ExtensionSetup.employee()]))
            #expect(draft.templateTypeID == nil)
            #expect(draft.dataFields.isEmpty)
            _ = try await h.client.publishContract(setup.hrUser, contractID: draft.id, subject: "NDA", message: "Please sign.")
            #expect(await h.sandbox.store.deliveries().filter { $0.contractID == draft.id }.isEmpty)
        }
    }

    @Test("organizers are owner-side and do not sign")
    func organizers() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let (workspaceID, templateID) = try await setup.employmentTemplate(h)
            func create(_ input: ContractCreateInput) async -> OneflowError? {
                await #expect(throws: OneflowError.self) { try await h.client.createContract(setup.hrUser, input) }
            }
            let employeeOrganizer = ParticipantInput(name: "Jane Doe", email: "jane@example.com", organizer: true, deliveryChannel: "email")
            let counterparty = await create(
                ContractCreateInput(workspaceID: workspaceID, templateID: templateID, parties: [.individual(employeeOrganizer)]))
            #expect(counterparty?.parameterProblems["parties[0].participant.organizer"] != nil)
            let signingOrganizer = MyPartyInput(participants: [
                ParticipantInput(
                    name: "Hanna HR", email: setup.hrUser.userEmail, signatory: true, organizer: true, deliveryChannel: "email",
                    signMethod: "standard_esign")
            ])
            let owner = await create(ContractCreateInput(workspaceID: workspaceID, templateID: templateID, myParty: signingOrganizer))
            #expect(owner?.parameterProblems["my_party.participants[0].organizer"] != nil)
        }
    }

    @Test("the control API makes workspaces and users and shows the directory; its token travels in a header")
    func control() async throws {
        try await withSandbox { h in
            let setup = try await ExtensionSetup.make(h)
            let legal: SandboxJSON.Workspace = try await h.control(.POST, "/workspaces", ["token": setup.token, "name": "Legal"])
            let _: SandboxJSON.User = try await h.control(
                .POST, "/users",
                [
                    "token": setup.token, "email": "lisa@acme.example", "name": "Lisa Legal", "workspaces": [["workspace_id": legal.id]],
                ])
            let (status, body) = try await h.call(.GET, "/sandbox/control/directory", headers: [("x-oneflow-api-token", setup.token)])
            let directory = String(decoding: body, as: UTF8.self)
            #expect(status == 200)
            #expect(directory.contains("Legal") && directory.contains("lisa@acme.example"))
            let lisa = OneflowCredentials(token: setup.token, userEmail: "lisa@acme.example")
            #expect(try await h.client.allWorkspaces(lisa).map(\.name) == ["Legal"])
            // A user whose email exists already, or a grant to a workspace of no account
            await #expect(throws: SandboxHarness.ControlError.self) {
                let _: SandboxJSON.User = try await h.control(.POST, "/users", ["token": setup.token, "email": "LISA@acme.example", "name": "Again"])
            }
            await #expect(throws: SandboxHarness.ControlError.self) {
                let _: SandboxJSON.User = try await h.control(
                    .POST, "/users",
                    [
                        "token": setup.token, "email": "x@acme.example", "name": "X", "workspaces": [["workspace_id": 1]],
                    ])
            }
        }
    }

    @Test("a user deactivated in the account acts no more: x-oneflow-user-email with their email is 401, with the token itself still good")
    func deactivatedUser() async throws {
        try await withSandbox { h in
            // Given a user of the account, then deactivated
            let setup = try await ExtensionSetup.make(h)
            let _: SandboxJSON.User = try await h.control(.POST, "/users", ["token": setup.token, "email": "lisa@acme.example", "name": "Lisa"])
            let lisa = OneflowCredentials(token: setup.token, userEmail: "lisa@acme.example")
            try await h.client.ping(lisa)
            let off: SandboxJSON.User = try await h.control(
                .POST, "/users/active", ["token": setup.token, "email": "lisa@acme.example", "active": false])
            #expect(off.active == false)

            // Then a call acting as her is 401, and the same token without her is not
            await #expect {
                try await h.client.ping(lisa)
            } throws: { ($0 as? OneflowError)?.isUnauthorized == true }
            try await h.client.ping(OneflowCredentials(token: setup.token))

            // And active again, she acts again
            let _: SandboxJSON.User = try await h.control(
                .POST, "/users/active", ["token": setup.token, "email": "lisa@acme.example", "active": true])
            try await h.client.ping(lisa)
        }
    }
}

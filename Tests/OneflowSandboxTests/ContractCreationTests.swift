import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

/// Every contract-creation call of the client, against the sandbox: the happy paths.
@Suite("Creating and sending contracts")
struct ContractCreationTests {
    @Test("a new account: two workspaces, an admin and an HR user; setup brings an employment template in our group")
    func directory() async throws {
        try await withSandbox { h in
            // Given an account after our setup
            let setup = try await ExtensionSetup.make(h)

            // When each list is read as the admin and as the HR user
            let adminWorkspaces = try await h.client.allWorkspaces(setup.admin)
            let hrWorkspaces = try await h.client.allWorkspaces(setup.hrUser)
            let users = try await h.client.allUsers(setup.admin)
            let ours = try await h.client.templates(setup.hrUser, query: TemplateQuery(templateTypeID: setup.typeID))
            let all = try await h.client.allTemplates(setup.admin, query: TemplateQuery(sortByName: true))
            let offered = try await h.client.contractCreateData(setup.hrUser, templateTypeID: setup.typeID, extensionType: nil)

            // Then the admin sees both workspaces, the HR user only HR, both with create rights
            #expect(adminWorkspaces.map(\.name) == ["HR", "Sales"])
            #expect(adminWorkspaces.allSatisfy { $0.canCreateContracts })
            #expect(hrWorkspaces.map(\.name) == ["HR"])
            #expect(hrWorkspaces.first?.companyName == "Acme AB")
            let emails = Set(users.compactMap(\.email))
            let expected = Set([setup.admin.userEmail, setup.hrUser.userEmail].compactMap { $0 })
            #expect(emails == expected)
            // and our group has one template, the other is in no group
            #expect(ours.count == 1)
            let employment = try #require(ours.data.first)
            #expect(employment.name == "Employment contract")
            #expect(employment.templateType?.id == setup.typeID)
            #expect(all.map { $0.name ?? "" } == ["Employment contract", "Non-disclosure agreement"])
            #expect(all.last?.templateType == nil)
            // and the helper offers exactly the HR workspace with that template
            #expect(offered.map(\.id) == [hrWorkspaces[0].id])
            #expect(offered.first?.templates.map(\.id) == [employment.id])

            // When one template is read alone
            let template = try await h.client.template(setup.hrUser, id: employment.id)
            // Then its options say what each needs of a participant
            let options = try #require(template.availableOptions)
            #expect(options.deliveryChannels.map(\.name) == ["email", "sms", "none"])
            #expect(options.deliveryChannels.first { $0.name == "sms" }?.requiredParticipantAttributes == ["phone_number"])
            #expect(options.signMethods.first { $0.name == "swedish_bankid" }?.requiredParticipantAttributes == ["identification_number"])
            #expect(options.twoStepAuthenticationMethods.first?.preferred == true)
        }
    }

    @Test("create → a draft with our fields and parties; update fields by c::custom_id and by id; publish as the creator → pending")
    func createUpdatePublish() async throws {
        try await withSandbox { h in
            // Given our setup
            let setup = try await ExtensionSetup.make(h)

            // When the HR user creates a contract for Jane
            let draft = try await setup.draft(h)

            // Then it is a draft of our template, with our values and the employee as an individual
            #expect(draft.state == .draft)
            #expect(draft.templateTypeID == setup.typeID)
            #expect(draft.privateOwnerside?.templateID == (try await setup.employmentTemplate(h)).templateID)
            #expect(draft.name == "Employment contract – Jane Doe")
            let values = Dictionary(uniqueKeysWithValues: draft.dataFields.map { ($0.customID ?? "", $0.value ?? "") })
            #expect(values == ["employee_number": "10023", "start_date": "2020-01-01", "job_title": ""])
            let owner = try #require(draft.parties.first { $0.myParty == true })
            #expect(owner.type == .company)
            #expect(owner.name == "Acme AB")
            #expect(owner.participants?.map(\.email) == [setup.hrUser.userEmail])
            let employee = try #require(draft.counterparties.first)
            #expect(employee.type == .individual)
            #expect(employee.participants == nil)
            #expect(employee.participant?.email == "jane@example.com")
            #expect(employee.participant?.signatory == true)
            #expect(employee.participant?.deliveryStatus == "not_sent")

            // When a field is set by c::custom_id, and another by id in a bulk update
            let title = try await h.client.updateContractDataField(
                setup.hrUser, contractID: draft.id, field: .customID("job_title"), value: "Support Engineer")
            let numberID = try #require(draft.dataFields.first { $0.customID == "employee_number" }?.id)
            let bulk = try await h.client.updateContractDataFields(
                setup.hrUser, contractID: draft.id, [ContractDataFieldUpdate(id: numberID, value: "10024")])

            // Then both are stored
            #expect(title.value == "Support Engineer")
            #expect(title.customID == "job_title")
            #expect(bulk.first { $0.id == numberID }?.value == "10024")

            // When it is published as its creator
            let sent = try await h.client.publishContract(
                setup.hrUser.actingAsCreator(), contractID: draft.id,
                subject: "Your employment contract", message: "Please sign.")

            // Then it is pending, the invitation went by email, and our webhook hears each change
            #expect(sent.state == .pending)
            #expect(sent.publishedTime != nil)
            #expect(sent.counterparties.first?.participant?.deliveryStatus == "success")
            let events = await h.sandbox.store.deliveries().filter { $0.contractID == draft.id }.flatMap { $0.events.map(\.type) }
            #expect(events == ["data_field:update", "data_field:update", "contract:publish"])
            // and a pending contract's fields can still change
            _ = try await h.client.updateContractDataField(setup.hrUser, contractID: draft.id, field: .id(numberID), value: "10025")
        }
    }

    @Test("delete a draft: contract:delete to our webhook, then the contract is 404")
    func delete() async throws {
        try await withSandbox { h in
            // Given a draft
            let setup = try await ExtensionSetup.make(h)
            let draft = try await setup.draft(h)

            // When it is deleted
            try await h.client.deleteContract(setup.hrUser, contractID: draft.id)

            // Then it is gone and the webhook was told
            await #expect(throws: OneflowError.self) { try await h.client.contract(setup.admin, id: draft.id) }
            let events = await h.sandbox.store.deliveries().filter { $0.contractID == draft.id }.flatMap { $0.events.map(\.type) }
            #expect(events == ["contract:delete"])
        }
    }

    @Test("templates filter by workspace and active state; an unknown extension_type is an error")
    func templateFilters() async throws {
        try await withSandbox { h in
            // Given our setup, a workspace with an inactive-free list and a Sales template
            let setup = try await ExtensionSetup.make(h)
            let sales = try #require(try await h.client.allWorkspaces(setup.admin).first { $0.name == "Sales" })
            let _: SandboxJSON.Template = try await h.control(
                .POST, "/templates",
                [
                    "token": setup.token, "workspace_id": sales.id, "template_type_id": setup.typeID, "name": "Sales employment",
                    "delivery_channels": ["sms"], "sign_methods": ["sms"],
                ])

            // When templates are listed for the Sales workspace
            let inSales = try await h.client.allTemplates(setup.admin, query: TemplateQuery(workspaceIDs: [sales.id]))
            let inactive = try await h.client.templates(setup.admin, query: TemplateQuery(active: .inactiveOnly))

            // Then only the Sales template shows, with the options it was made with
            #expect(inSales.map(\.name) == ["Sales employment"])
            #expect(inSales.first?.availableOptions?.deliveryChannels.map(\.name) == ["sms"])
            #expect(inactive.count == 0)
            // and the HR user, who cannot see Sales, is not offered it
            let offered = try await h.client.contractCreateData(setup.hrUser, templateTypeID: setup.typeID, extensionType: nil)
            #expect(offered.flatMap(\.templates).map(\.name) == ["Employment contract"])
            // and filtering by an alias no template has is Oneflow's error
            let error = await #expect(throws: OneflowError.self) {
                try await h.client.templates(setup.admin, query: TemplateQuery(extensionType: "hibob"))
            }
            #expect(error?.category == .invalidRequest)
            #expect(error?.parameterProblems["extension_type"] != nil)
        }
    }
}

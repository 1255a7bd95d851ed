import Foundation
import Testing

@testable import OneflowAPI

@Suite("OneflowHTTPClient: workspaces, users and templates for contract creation")
struct ContractCreationClientTests {
    let credentials = OneflowCredentials(token: String(repeating: "t", count: 40), userEmail: "hanna@acme.example")

    @Test("workspaces: GET /workspaces with paging, the documented sample decodes")
    func workspaces() async throws {
        // given Oneflow's sample list, one workspace without _permissions
        try await withStubClient(["GET /v1/workspaces": .json(CreationFixtures.workspacesPage)]) { client, stub in
            // when
            let page = try await client.workspaces(credentials, offset: 0, limit: 100)
            // then
            #expect(stub.requests.first?.query == "offset=0&limit=100")
            #expect(page.count == 2)
            let workspace = page.data[0]
            #expect(workspace.id == 396198)
            #expect(workspace.name == "oneflow-collection")
            #expect(workspace.companyName == "LL")
            #expect(workspace.countryCode == "SE")
            #expect(workspace.registrationNumber == "1234-567")
            #expect(workspace.permissions == ["contract:create": true])
            #expect(workspace.canCreateContracts)
            #expect(workspace.createdTime == OneflowDate.parse("2018-11-28T15:07:11+0000"))
            #expect(workspace.updatedTime == nil)
            #expect(page.data[1].permissions == [:])
            #expect(!page.data[1].canCreateContracts)
        }
    }

    @Test("allWorkspaces and allUsers follow the envelope; a user with an odd role still decodes")
    func allWorkspacesAndUsers() async throws {
        // given one page holding every workspace and every user
        try await withStubClient([
            "GET /v1/workspaces": .json(CreationFixtures.workspacesPage), "GET /v1/users": .json(CreationFixtures.usersPage),
        ]) { client, stub in
            // when
            let workspaces = try await client.allWorkspaces(credentials)
            let users = try await client.allUsers(credentials)
            // then
            #expect(workspaces.map(\.id) == [396198, 396199])
            #expect(users.map(\.email) == ["hanna@acme.example", "old@acme.example"])
            #expect(users[0] == User(id: 7, name: "Hanna HR", email: "hanna@acme.example", title: "HR lead", active: true, role: "admin"))
            #expect(users[1].role == nil)
            #expect(users[1].active == false)
            #expect(stub.requests.map(\.path) == ["/v1/workspaces", "/v1/users"])
            #expect(stub.requests.last?.query == "offset=0&limit=100")
        }
    }

    @Test("contract_create_data sends only the given filters and reads the bare array")
    func contractCreateData() async throws {
        // given the helper's unpaginated array
        try await withStubClient(["GET /v1/helpers/contract_create_data": .json(CreationFixtures.contractCreateData)]) { client, stub in
            // when
            let filtered = try await client.contractCreateData(credentials, templateTypeID: 12222, extensionType: nil)
            _ = try await client.contractCreateData(credentials, templateTypeID: nil, extensionType: "hr_bridge")
            _ = try await client.contractCreateData(credentials, templateTypeID: nil, extensionType: nil)
            // then
            #expect(stub.requests.map(\.query) == ["template_type_id=12222", "extension_type=hr_bridge", nil])
            #expect(filtered.map(\.id) == [396198, 396200])
            #expect(filtered[0].templates.first?.templateType?.id == 12222)
            #expect(filtered[0].templates.first?.availableOptions?.deliveryChannels.map(\.name) == ["email"])
            #expect(filtered[1].templates.isEmpty)
        }
    }

    @Test("contract_create_data also reads the pagination envelope")
    func contractCreateDataEnvelope() async throws {
        // given an enveloped answer
        let envelope = #"{"count": 1, "data": [{"id": 5, "name": "W", "templates": [{"id": 9}]}], "_links": {}}"#
        try await withStubClient(["GET /v1/helpers/contract_create_data": .json(envelope)]) { client, _ in
            // when
            let workspaces = try await client.contractCreateData(credentials, templateTypeID: 1, extensionType: nil)
            // then
            #expect(workspaces == [WorkspaceTemplates(id: 5, name: "W", templates: [Template(id: 9, name: nil)])])
        }
    }

    @Test("templates: every filter on the query string")
    func templateQuery() async throws {
        // given
        let query = TemplateQuery(
            offset: 100, limit: 50, sortByName: true, templateTypeID: 5, extensionType: "hubspot",
            workspaceIDs: [1, 2], active: .all)
        try await withStubClient(["GET /v1/templates": .json(CreationFixtures.templatesPage)]) { client, stub in
            // when
            let page = try await client.templates(credentials, query: query)
            _ = try await client.templates(credentials, query: TemplateQuery())
            // then
            let sent = stub.requests.map(\.query)
            #expect(
                sent[0] == "offset=100&limit=50&sort=name&template_type_id=5&extension_type=hubspot"
                    + "&filter%5Bworkspace_ids%5D=1,2&filter%5Bactive%5D=")
            #expect(sent[1] == "offset=0&limit=100")
            #expect(page.data.map(\.id) == [110010, 110011])
            #expect(page.data[1].templateType == nil)
        }
    }

    @Test(
        "active filter: nothing for active only, false for inactive, empty for both",
        arguments: [
            (TemplateQuery.ActiveFilter.activeOnly, nil), (.inactiveOnly, "false"), (.all, ""),
        ] as [(TemplateQuery.ActiveFilter, String?)])
    func activeFilter(filter: TemplateQuery.ActiveFilter, sent: String?) {
        // given / when
        let items = TemplateQuery(active: filter).queryItems
        // then
        #expect(items.first { $0.0 == "filter[active]" }?.1 == sent)
        #expect(items.filter { $0.0 == "filter[active]" }.count == (sent == nil ? 0 : 1))
    }

    @Test("allTemplates pages from the query's offset with its filters")
    func allTemplates() async throws {
        try await withStubClient(["GET /v1/templates": .json(CreationFixtures.templatesPage)]) { client, stub in
            // when
            let templates = try await client.allTemplates(credentials, query: TemplateQuery(workspaceIDs: [396198]))
            // then
            #expect(templates.count == 2)
            #expect(stub.requests.map(\.query) == ["offset=0&limit=100&filter%5Bworkspace_ids%5D=396198"])
        }
    }

    @Test("template by id: the documented sample, with options, tags and template type")
    func template() async throws {
        try await withStubClient([
            "GET /v1/templates/110010": .json(CreationFixtures.template), "GET /v1/templates/110011": .json(CreationFixtures.ungroupedTemplate),
        ]) { client, _ in
            // when
            let template = try await client.template(credentials, id: 110010)
            let ungrouped = try await client.template(credentials, id: 110011)
            // then
            #expect(template.name == "Code of Conduct")
            #expect(template.templateType?.id == 5)
            #expect(template.templateType?.extensionType == "hubspot")
            #expect(template.tags == [Template.Tag(id: 12346, name: "HR")])
            #expect(template.updatedTime == OneflowDate.parse("2021-06-07T07:43:39+0000"))
            let options = try #require(template.availableOptions)
            #expect(
                options.deliveryChannels == [
                    .init(name: "email", preferred: true, requiredParticipantAttributes: ["email"]), .init(name: "none", preferred: false),
                ])
            #expect(options.signMethods == [.init(name: "standard_esign", preferred: true)])
            #expect(options.twoStepAuthenticationMethods.map(\.name) == ["email", "none"])
            #expect(options.canReceiveExpandedPDF == true)
            #expect(options.canReceiveAttachments == false)
            #expect(ungrouped.templateType == nil)
            #expect(ungrouped.availableOptions == nil)
            #expect(ungrouped.active == true)
        }
    }
}

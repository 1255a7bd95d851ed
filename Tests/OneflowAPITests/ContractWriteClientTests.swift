import Foundation
import Testing

@testable import OneflowAPI

@Suite("OneflowHTTPClient: creating, filling, sending and deleting contracts")
struct ContractWriteClientTests {
    let credentials = OneflowCredentials(token: String(repeating: "t", count: 40), userEmail: "hanna@acme.example")

    let employee = ParticipantInput(
        name: "Jane Doe", email: "jane@example.com", signatory: true, deliveryChannel: "email",
        signMethod: "standard_esign", permissions: ["contract:update": true])

    @Test("create: the employee is an individual with one participant; nil fields are not sent")
    func create() async throws {
        // given
        let input = ContractCreateInput(
            workspaceID: 396198, templateID: 110010, name: "Employment contract – Jane Doe",
            dataFields: [DataFieldValue(customID: "start_date", value: "2025-10-01")],
            myParty: MyPartyInput(creatorInheritSettingsFromTemplate: true, participants: [ParticipantInput(email: "hanna@acme.example")]),
            parties: [.individual(employee, countryCode: "SE")])
        try await withStubClient(["POST /v1/contracts/create": .json(CreationFixtures.createdDraft)]) { client, stub in
            // when
            let contract = try await client.createContract(credentials, input)
            // then the body has Oneflow's shape
            let request = try #require(stub.requests.first)
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["x-oneflow-user-email"] == "hanna@acme.example")
            let body = try jsonObject(request.body)
            #expect(Set(body.keys) == ["workspace_id", "template_id", "name", "data_fields", "my_party", "parties"])
            #expect(body["data_fields"] as? [[String: String]] == [["custom_id": "start_date", "value": "2025-10-01"]])
            let myParty = try #require(body["my_party"] as? [String: Any])
            #expect(Set(myParty.keys) == ["creator_inherit_settings_from_template", "participants"])
            #expect(myParty["participants"] as? [[String: String]] == [["email": "hanna@acme.example"]])
            let party = try #require((body["parties"] as? [[String: Any]])?.first)
            #expect(Set(party.keys) == ["type", "country_code", "participant"])
            #expect(party["type"] as? String == "individual")
            let participant = try #require(party["participant"] as? [String: Any])
            #expect(Set(participant.keys) == ["name", "email", "signatory", "delivery_channel", "sign_method", "_permissions"])
            #expect(participant["_permissions"] as? [String: Bool] == ["contract:update": true])
            // and the answer is the new draft
            #expect(contract.id == 4004)
            #expect(contract.state == .draft)
            #expect(contract.name == "Employment contract – Jane Doe")
            #expect(contract.privateOwnerside?.templateID == 110010)
            #expect(contract.templateTypeID == 12222)
            let person = try #require(contract.counterparties.first?.participant)
            #expect(person.id == 21)
            #expect(person.deliveryStatus == "not_sent")
            #expect(person.twoStepAuthenticationMethod == "none")
            #expect(person.permissions == ["contract:update": true])
        }
    }

    @Test("create with only workspace and template sends the documented minimal body")
    func minimalCreate() async throws {
        try await withStubClient(["POST /v1/contracts/create": .json(CreationFixtures.createdDraft)]) { client, stub in
            // when
            _ = try await client.createContract(credentials, ContractCreateInput(workspaceID: 396198, templateID: 110010))
            // then
            #expect(stub.requests.first?.body == #"{"template_id":110010,"workspace_id":396198}"#)
        }
    }

    @Test("a company party lists participants and no single participant")
    func companyParty() throws {
        // given / when
        let party = PartyInput.company(name: "Contractor AB", identificationNumber: "556000-1111", participants: [employee])
        let body = try jsonObject(String(decoding: try JSONEncoder.oneflow().encode(party), as: UTF8.self))
        // then
        #expect(Set(body.keys) == ["type", "name", "identification_number", "participants"])
        #expect(PartyInput.individual(employee).participants == nil)
    }

    @Test(
        "bulk data-field PUT: custom ids under _private_ownerside, nil values left out; every answer shape reads",
        arguments: [
            #"{"data_fields": [\#(CreationFixtures.dataField)]}"#, "[\(CreationFixtures.dataField)]",
            #"{"count": 1, "data": [\#(CreationFixtures.dataField)], "_links": {}}"#,
        ])
    func bulkDataFields(answer: String) async throws {
        try await withStubClient(["PUT /v1/contracts/4004/data_fields": .json(answer)]) { client, stub in
            // when
            let fields = try await client.updateContractDataFields(
                credentials, contractID: 4004,
                [
                    ContractDataFieldUpdate(customID: "start_date", value: "2025-11-01"),
                    ContractDataFieldUpdate(id: 93, value: ""),
                    ContractDataFieldUpdate(id: 94, value: nil),
                ])
            // then
            #expect(
                stub.requests.first?.body == #"{"data_fields":[{"_private_ownerside":{"custom_id":"start_date"},"#
                    + #""value":"2025-11-01"},{"id":93,"value":""},{"id":94}]}"#)
            #expect(fields.map(\.customID) == ["start_date"])
            #expect(fields.first?.value == "2025-11-01")
        }
    }

    @Test("single data-field PUT addresses a custom id as c::<custom_id>, or the numeric id")
    func singleDataField() async throws {
        let answer = StubServer.Canned.json(CreationFixtures.dataField)
        try await withStubClient([
            "PUT /v1/contracts/4004/data_fields/c::start_date": answer,
            "PUT /v1/contracts/4004/data_fields/92": answer,
        ]) { client, stub in
            // when
            let field = try await client.updateContractDataField(credentials, contractID: 4004, field: .customID("start_date"), value: "2025-11-01")
            _ = try await client.updateContractDataField(credentials, contractID: 4004, field: .id(92), value: "")
            // then
            let requests = stub.requests
            #expect(requests.map(\.path) == ["/v1/contracts/4004/data_fields/c::start_date", "/v1/contracts/4004/data_fields/92"])
            #expect(requests.map(\.body) == [#"{"value":"2025-11-01"}"#, #"{"value":""}"#])
            #expect(field.value == "2025-11-01")
        }
    }

    @Test("publish sends subject and message, here as the contract's creator")
    func publish() async throws {
        try await withStubClient(["POST /v1/contracts/4004/publish": .json(CreationFixtures.published)]) { client, stub in
            // when
            let contract = try await client.publishContract(
                credentials.actingAsCreator(), contractID: 4004,
                subject: "Your contract", message: "Please sign.")
            // then
            let request = try #require(stub.requests.first)
            #expect(request.body == #"{"message":"Please sign.","subject":"Your contract"}"#)
            #expect(request.headers["x-oneflow-user-email"] == "__CREATOR__")
            #expect(contract.state == .pending)
            #expect(contract.publishedTime != nil)
        }
    }

    @Test("delete is DELETE /contracts/{id}, whatever the body of the answer")
    func delete() async throws {
        let empty = StubServer.Canned(status: .noContent, body: "", headers: [:])
        try await withStubClient(["DELETE /v1/contracts/4004": empty]) { client, stub in
            // when
            try await client.deleteContract(credentials, contractID: 4004)
            // then
            #expect(stub.requests.map { "\($0.method) \($0.path)" } == ["DELETE /v1/contracts/4004"])
        }
    }

    @Test("a 400 on create is an invalid request naming the parameters")
    func invalidCreate() async throws {
        try await withStubClient(["POST /v1/contracts/create": .json(CreationFixtures.createValidationError, status: .badRequest)]) { client, _ in
            // when
            let error = try await #require(throws: OneflowError.self) {
                try await client.createContract(credentials, ContractCreateInput(workspaceID: 1, templateID: 2))
            }
            // then
            #expect(error.category == .invalidRequest)
            #expect(
                error.parameterProblems == ["parties[0].participant.email": "Must be a valid email.", "template_id": "Template not in workspace."])
            #expect(error.requestID == "Req-create")
            #expect(!error.isRetryable)
        }
    }

    @Test(
        "publish failures are classified",
        arguments: [
            (402, OneflowError.Category.paymentRequired), (409, .conflict), (422, .unprocessable), (401, .unauthorized),
            (403, .forbidden), (404, .notFound), (429, .rateLimited), (500, .serverError), (503, .serverError), (418, .otherStatus),
        ])
    func publishErrors(status: Int, category: OneflowError.Category) async throws {
        let answer = StubServer.Canned.json(CreationFixtures.error(status, "Failed"), status: .init(statusCode: status))
        try await withStubClient(["POST /v1/contracts/4004/publish": answer]) { client, _ in
            // when
            let error = try await #require(throws: OneflowError.self) {
                try await client.publishContract(credentials, contractID: 4004, subject: "s", message: "m")
            }
            // then
            #expect(error.category == category)
            #expect(error.status == status)
            #expect(error.errorCode == status * 10_000)
            #expect(error.isRetryable == (status == 429 || status >= 500))
        }
    }
}

import Foundation
import Testing

@testable import OneflowAPI

@Suite("Contract-creation models, credentials and error categories")
struct ContractCreationModelTests {
    @Test("a data field is addressed by id or by c::custom id, percent-encoded for the path")
    func dataFieldReference() {
        #expect(DataFieldReference.id(92).pathComponent == "92")
        #expect(DataFieldReference.customID("start_date").pathComponent == "c::start_date")
        #expect(DataFieldReference.customID("a/b c?%").pathComponent == "c::a%2Fb%20c%3F%25")
    }

    @Test("a data-field update round-trips through Oneflow's _private_ownerside shape")
    func dataFieldUpdateRoundTrip() throws {
        // given
        let update = ContractDataFieldUpdate(id: 5, customID: "start_date", value: "")
        // when
        let data = try JSONEncoder.oneflow().encode(update)
        // then
        #expect(String(decoding: data, as: UTF8.self) == #"{"_private_ownerside":{"custom_id":"start_date"},"id":5,"value":""}"#)
        #expect(try JSONDecoder.oneflow().decode(ContractDataFieldUpdate.self, from: data) == update)
        let bare = try JSONDecoder.oneflow().decode(ContractDataFieldUpdate.self, from: Data(#"{"id": 1, "_private_ownerside": null}"#.utf8))
        #expect(bare == ContractDataFieldUpdate(id: 1, value: nil))
    }

    @Test("a create body decodes back with missing lists as empty")
    func createInputDecodes() throws {
        // given a body as a sandbox would receive it
        let json =
            #"{"workspace_id": 1, "template_id": 2, "my_party": {"name": "Acme"}, "parties": [{"type": "individual", "participant": {"name": "J"}}]}"#
        // when
        let input = try JSONDecoder.oneflow().decode(ContractCreateInput.self, from: Data(json.utf8))
        // then
        #expect(input.dataFields.isEmpty)
        #expect(input.myParty == MyPartyInput(name: "Acme"))
        #expect(input.parties == [.individual(ParticipantInput(name: "J"))])
    }

    @Test("acting as the creator keeps the token, sends __CREATOR__, and still redacts the token")
    func actingAsCreator() {
        // given
        let token = String(repeating: "k", count: 40)
        // when
        let creator = OneflowCredentials(token: token, userEmail: "hanna@acme.example").actingAsCreator()
        // then
        #expect(creator.token == token)
        #expect(creator.userEmail == OneflowCredentials.contractCreator)
        #expect(creator.userEmail == "__CREATOR__")
        #expect(!"\(creator)".contains(token))
    }

    @Test("transport and decoding failures have their own category")
    func nonAPICategories() {
        #expect(OneflowError(kind: .transport, endpoint: "GET /x", detail: "timed out").category == .transport)
        #expect(OneflowError(kind: .decoding, endpoint: "GET /x", detail: "bad").category == .decoding)
        #expect(OneflowError(kind: .api, endpoint: "GET /x", status: 408, detail: "slow").category == .otherStatus)
    }

    @Test("participant permissions keep boolean entries only; a contract does not fail over them")
    func lenientPermissions() throws {
        // given
        let json = #"{"id": 1, "_permissions": {"contract:update": true, "future": {"x": 1}}, "delivery_status": 3}"#
        // when
        let participant = try JSONDecoder.oneflow().decode(Participant.self, from: Data(json.utf8))
        // then
        #expect(participant.permissions == ["contract:update": true])
        #expect(participant.deliveryStatus == nil)
    }

    @Test("the signed contract fixture exposes the new participant fields")
    func participantFields() throws {
        // given
        let contract = try JSONDecoder.oneflow().decode(Contract.self, from: Data(Fixtures.contract.utf8))
        // when
        let employee = try #require(contract.counterparties.first?.participant)
        let owner = try #require(contract.parties.first?.participants?.first)
        // then
        #expect(employee.deliveryStatus == "success")
        #expect(employee.twoStepAuthenticationMethod == "none")
        #expect(employee.permissions == nil)
        #expect(owner.permissions == ["contract:update": true])
    }
}

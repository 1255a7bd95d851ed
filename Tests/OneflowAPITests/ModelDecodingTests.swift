import Foundation
import Testing

@testable import OneflowAPI

@Suite("Decoding Oneflow responses")
struct ModelDecodingTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder.oneflow().decode(T.self, from: Data(json.utf8))
    }

    @Test("a signed contract exposes template type, data fields by custom id, and the employee participant")
    func contract() throws {
        let contract = try decode(Contract.self, Fixtures.contract)
        #expect(contract.id == 3003)
        #expect(contract.state == .signed)
        #expect(contract.templateTypeID == 12222)
        #expect(contract.name == "Employment agreement – Jane Doe")
        #expect(contract.stateUpdatedTime == OneflowDate.parse("2025-09-01T10:15:00+0000"))
        #expect(contract.dataFields.map(\.customID) == ["employee_number", "start_date"])
        #expect(contract.dataFields.first?.value == "10023")
        let employee = try #require(contract.counterparties.first?.allParticipants.first)
        #expect(employee.name == "Jane Doe")
        #expect(employee.identificationNumber == "19900101-1234")
        #expect(employee.signState == .signed)
        #expect(contract.parties.first?.allParticipants.first?.organizer == true)
        #expect(contract.lifecycleState?.lifecycleState == .awaiting)
        #expect(contract.lifecycleState?.contractEndTime == nil)
    }

    @Test("values Oneflow adds later decode instead of failing the whole contract")
    func unknownValues() throws {
        let contract = try decode(Contract.self, Fixtures.contractWithUnknownValues)
        #expect(contract.state.rawValue == "archived")
        #expect(contract.state != .signed)
        #expect(contract.parties[0].type?.rawValue == "robot")
        #expect(contract.parties[0].participant?.signState?.rawValue == "delegated")
        #expect(contract.lifecycleState?.lifecycleState?.rawValue == "paused")
        #expect(contract.templateTypeID == nil)
    }

    @Test("account with token info")
    func account() throws {
        let account = try decode(Account.self, Fixtures.account)
        #expect(account.id == 8123)
        #expect(account.name == "Acme AB")
        #expect(account.tokenInfo?.integration?.key == "custom")
        #expect(account.tokenInfo?.integration?.id == nil)
    }

    @Test("pagination envelope keeps the total count and links")
    func page() throws {
        let page = try decode(Page<TemplateType>.self, Fixtures.templateTypesPage)
        #expect(page.count == 3)
        #expect(page.data.map(\.id) == [12222, 12223])
        #expect(page.data[1].extensionType == "salesforce_v2")
        #expect(page.links?.next?.href?.hasSuffix("offset=2&limit=2") == true)
        #expect(page.links?.previous?.href == nil)
    }

    @Test("data-field PUT response, with an unknown source")
    func dataFields() throws {
        let set = try decode(DataFieldSet<DataField>.self, Fixtures.dataFieldsResponse)
        #expect(set.dataFields.map(\.customID) == ["employee_number", "start_date"])
        #expect(set.dataFields[0].source == .user)
        #expect(set.dataFields[1].source?.rawValue == "brand_new_source")
    }

    @Test("webhooks as a bare array with id, or an envelope with webhook_id and workspace filters")
    func webhooks() throws {
        let bare = try decode(ListOrPage<Webhook>.self, Fixtures.webhooksBare).items
        #expect(bare.map(\.id) == [55])
        #expect(bare[0].signKey == "s3cr3t")
        #expect(bare[0].templateGroupID == 12222)
        #expect(bare[0].eventTypes == ["contract:sign", "contract:publish"])
        let enveloped = try decode(ListOrPage<Webhook>.self, Fixtures.webhooksEnvelope).items
        #expect(enveloped.map(\.id) == [56])
        #expect(enveloped[0].filters?.first?.filterRules.first?.values == ["130406"])
        #expect(enveloped[0].eventTypes == nil)
    }

    @Test("webhook input encodes the documented create body")
    func webhookInput() throws {
        let input = WebhookInput(
            callbackURL: "https://x.example/webhooks/oneflow/k", signKey: "key", templateGroupID: 12222,
            filters: [.eventTypes(["contract:sign"])])
        let json = String(decoding: try JSONEncoder.oneflow().encode(input), as: UTF8.self)
        #expect(
            json
                == #"{"callback_url":"https:\/\/x.example\/webhooks\/oneflow\/k","filters":[{"filter_rules":[{"type":"EVENT_TYPE","values":["contract:sign"]}]}],"sign_key":"key","template_group_id":12222}"#
        )
    }

    @Test("error body with parameter problems as strings or lists")
    func errorBody() throws {
        let body = try decode(OneflowErrorBody.self, Fixtures.validationError)
        #expect(body.errorCode == 4_000_000)
        #expect(body.requestID == "Req-400")
        #expect(body.parameterProblems?["callback_url"]?.messages == ["Must be https."])
        #expect(body.parameterProblems?["filters"]?.messages == ["Too many values."])
    }

    @Test("a webhook notification and its documented signature")
    func notification() throws {
        let notification = try decode(WebhookNotification.self, Fixtures.notification)
        #expect(notification.contract.id == 101)
        #expect(notification.events.map(\.type) == [.contractPublish, "participant:first_visit"])
        // sha1("eaf850…9de0" + "my-sign-key"), computed independently with Python's hashlib.
        #expect(
            WebhookNotification.signature(callbackID: notification.callbackID, signKey: "my-sign-key")
                == "cbff4912268db88c60dc81d7d232c50bde58af9d")
        #expect(notification.isSigned(byAnyOf: ["old-key", "my-sign-key"]))
        #expect(!notification.isSigned(byAnyOf: ["wrong"]))
        #expect(!notification.isSigned(byAnyOf: []))
    }

    @Test("constant-time comparison handles different lengths")
    func constantTime() {
        #expect(ConstantTime.equals("abc", "abc"))
        #expect(!ConstantTime.equals("abc", "abd"))
        #expect(!ConstantTime.equals("abc", "abcd"))
        #expect(!ConstantTime.equals("", "a"))
    }
}

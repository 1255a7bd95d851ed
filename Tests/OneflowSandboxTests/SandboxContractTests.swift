import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

@Suite("Sandbox contracts and persistence")
struct SandboxContractTests {
    @Test("a contract reads as documented: state, template type, data fields by custom id, parties, lifecycle")
    func contractShape() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount("Acme AB")
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
            _ = try await h.client.replaceDataFields(
                credentials, templateTypeID: type.id,
                [
                    DataFieldInput(customID: "employee_number", name: "Employee number"), DataFieldInput(customID: "start_date", name: "Start date"),
                ])
            let draft = try await h.newContract(
                credentials, templateTypeID: type.id, values: ["employee_number": "10023", "start_date": "2020-01-01"])
            #expect(draft.state == .draft)

            try await h.act("publish", contract: draft.id)
            try await h.act("sign", contract: draft.id)
            let signed = try await h.client.contract(credentials, id: draft.id)
            #expect(signed.state == .signed)
            #expect(signed.templateTypeID == type.id)
            #expect(signed.stateUpdatedTime != nil)
            #expect(signed.publishedTime != nil)
            #expect(
                Dictionary(uniqueKeysWithValues: signed.dataFields.map { ($0.customID ?? "", $0.value ?? "") })
                    == ["employee_number": "10023", "start_date": "2020-01-01"])
            let employee = try #require(signed.counterparties.first?.participant)
            #expect(signed.counterparties.first?.type == .individual)
            #expect(employee.name == "Jane Doe")
            #expect(employee.identificationNumber == "19900101-1234")
            #expect(employee.signState == .signed)
            #expect(signed.parties.first { $0.myParty == true }?.type == .company)
            // Start date in the past: the lifecycle is active from signing.
            #expect(signed.lifecycleState?.lifecycleState == .active)

            let events = try await h.client.contractEvents(credentials, contractID: draft.id, offset: 0, limit: 100)
            #expect(events.data.map(\.type) == [.contractPublish, .contractSign, .lifecycleStart])
            let fields = try await h.client.contractDataFields(credentials, contractID: draft.id)
            #expect(fields.count == 2)
        }
    }

    @Test("the contract file downloads as a real PDF")
    func pdf() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
            let contract = try await h.newContract(credentials, templateTypeID: type.id)
            let files = try await h.client.contractFiles(credentials, contractID: contract.id)
            let file = try #require(files.first { $0.type == .contract })
            let pdf = try await h.client.downloadFile(credentials, contractID: contract.id, fileID: file.id)
            #expect(pdf.contentType == "application/pdf")
            let text = String(decoding: pdf.data, as: UTF8.self)
            #expect(text.hasPrefix("%PDF-1.4"))
            #expect(text.hasSuffix("%%EOF\n"))
            #expect(text.contains("Jane Doe"))
            // The cross-reference offset points at the xref table.
            let startxref = try #require(text.range(of: "startxref\n"))
            let offset = try #require(Int(text[startxref.upperBound...].prefix { $0.isNumber }))
            #expect(Array(pdf.data[offset..<(offset + 4)]) == Array("xref".utf8))
        }
    }

    @Test("state rules: publish only drafts, sign only pending; a deleted contract is gone")
    func transitions() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
            let contract = try await h.newContract(credentials, templateTypeID: type.id)
            await #expect(throws: SandboxHarness.ControlError.self) { try await h.act("sign", contract: contract.id) }
            try await h.act("publish", contract: contract.id)
            await #expect(throws: SandboxHarness.ControlError.self) { try await h.act("publish", contract: contract.id) }
            try await h.act("decline", contract: contract.id)
            #expect(try await h.client.contract(credentials, id: contract.id).state == .declined)
            try await h.act("delete", contract: contract.id)
            let gone = await #expect(throws: OneflowError.self) { try await h.client.contract(credentials, id: contract.id) }
            #expect(gone?.status == 404)
        }
    }

    @Test("contracts list with paging and filter[state]")
    func list() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
            var ids: [Int] = []
            for _ in 0..<3 { ids.append(try await h.newContract(credentials, templateTypeID: type.id).id) }
            try await h.act("publish", contract: ids[1])
            let all = try await h.client.contracts(credentials, query: ContractQuery(offset: 0, limit: 2))
            #expect(all.count == 3)
            #expect(all.data.count == 2)
            let pending = try await h.client.contracts(credentials, query: ContractQuery(filters: ["state": "pending"]))
            #expect(pending.data.map(\.id) == [ids[1]])
        }
    }

    @Test("state survives a restart, and interrupted deliveries are due again")
    func persistence() async throws {
        let file = NSTemporaryDirectory() + "sandbox-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        var token = ""
        var contractID = 0
        try await withSandbox(dataFile: file) { h in
            let (credentials, _) = try await h.newAccount("Persistent AB")
            token = credentials.token
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
            _ = try await h.client.createWebhook(
                credentials, WebhookInput(callbackURL: "http://127.0.0.1:1/hook", signKey: "k", templateGroupID: type.id, filters: nil))
            contractID = try await h.newContract(credentials, templateTypeID: type.id).id
            try await h.act("publish", contract: contractID)
            // Claimed (in flight) when the process "dies": nothing records the attempt.
            _ = await h.sandbox.store.claimDueDeliveries()
        }
        let store = SandboxStore(persistPath: file)
        #expect(await store.account(token: token)?.name == "Persistent AB")
        #expect(await store.state.contracts.first?.id == contractID)
        #expect(await store.claimDueDeliveries().isEmpty)
        await store.rescheduleInterrupted()
        #expect(await store.claimDueDeliveries().count == 1)
    }
}

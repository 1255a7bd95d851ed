import Foundation
import Testing

@testable import OneflowSandbox

/// `sandbox.json` written before workspaces, users, templates and party lists existed still
/// reads into a sandbox that works; a file that cannot be read is kept aside.
@Suite("Sandbox state files")
struct SandboxStateFileTests {
    /// The shape 1399a71 wrote: users as `userEmails`, one owner and one employee per contract.
    static let older = """
        {"nextID": 1010, "templateTypes": [{"id": 1002, "accountID": 1001, "name": "HR Bridge", "description": "", "dataFields": [],
          "createdTime": 0, "updatedTime": 0}],
         "accounts": [{"id": 1001, "name": "Acme AB", "tokens": ["\(String(repeating: "t", count: 40))"],
          "userEmails": ["admin@account1001.sandbox.example"], "createdTime": 0}],
         "webhooks": [], "deliveries": [],
         "contracts": [{"id": 1003, "accountID": 1001, "templateTypeID": 1002, "templateID": 10021, "workspaceID": 10011,
          "name": "Employment contract – Jane Doe", "state": "pending", "createdTime": 0, "updatedTime": 0, "stateUpdatedTime": 0,
          "publishedTime": 0, "dataFields": [],
          "owner": {"id": 1004, "name": "Sandbox Admin", "email": "admin@account1001.sandbox.example", "signState": "undecided"},
          "ownerPartyID": 1005,
          "employee": {"id": 1006, "name": "Jane Doe", "email": "jane@example.com", "signState": "undecided"},
          "employeePartyID": 1007, "companyName": "Acme AB", "lifecycleState": "awaiting", "endedByTermination": false,
          "canceled": false, "events": [], "files": [{"id": 1008, "name": "contract", "type": "contract"}]}]}
        """

    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "sandbox-\(UUID().uuidString).json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(
        "an older file: the account gets its workspaces, users and our employment template; the contract its parties, and the employee can finish it")
    func older() async throws {
        // Given a file of the older shape
        let path = try file(Self.older)
        defer { try? FileManager.default.removeItem(atPath: path) }

        // When the store reads it and completes the directories (as `Sandbox.start` does)
        let store = SandboxStore(persistPath: path)
        await store.completeDirectories()

        // Then the account has what a new one has, its admin kept
        let account = try await store.account(id: 1001)
        #expect(account.workspaces.map(\.name) == ["HR", "Sales"])
        #expect(account.users.map(\.email) == ["admin@account1001.sandbox.example", "hr@account1001.sandbox.example"])
        #expect(account.users.allSatisfy { $0.id >= 1010 })
        #expect(Set(account.users.map(\.id)).count == 2)
        let templates = await store.templates(accountID: 1001)
        #expect(templates.contains { $0.templateTypeID == 1002 && $0.name == "Employment contract" })
        // and the contract has the owner as organizer and the employee as an individual
        let contract = try await store.contract(accountID: 1001, id: 1003)
        #expect(contract.parties.map(\.type) == ["company", "individual"])
        #expect(contract.ownerParty?.participants.first?.isSignatory == false)
        // and the employee's signature completes it
        let signed = try await store.sign(contractID: 1003, asParticipant: 1006)
        #expect(signed.state == "signed")
        // and what is written back reads again
        let reread = SandboxStore(persistPath: path)
        #expect(try await reread.contract(accountID: 1001, id: 1003).state == "signed")
        #expect(await reread.setAside == nil)
    }

    @Test("a file that cannot be read is moved aside, not overwritten, and the sandbox starts empty")
    func unreadable() async throws {
        let path = try file("{ not json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = SandboxStore(persistPath: path)
        let aside = try #require(await store.setAside)
        defer { try? FileManager.default.removeItem(atPath: aside) }
        #expect(await store.accounts().isEmpty)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: aside)), as: UTF8.self) == "{ not json")
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

import Fluent
import Foundation
import OneflowAPI
import SQLKit
import SQLiteStorage
import Testing

@testable import App

/// Oneflow signs only the callback id, so a captured signature signs a body naming any
/// contract. Such a body must not suppress that contract's real notification: it is stored
/// as a conflicting copy, synced like any delivery, and shown on the admin activity pages.
@Suite("Callback id conflicts")
struct CallbackConflictTests {
    /// Two signed contracts of ours, with different employees.
    func twoContracts(_ f: SyncFixture) async throws -> (Int, Int) {
        let a = try await f.newContract(
            name: "Jane Doe", email: "jane@example.com",
            values: ["employee_number": "10023", "start_date": "2020-01-01", "department": "Support", "salary": "42000 SEK"])
        let b = try await f.newContract(
            name: "John Roe", email: "john@example.com",
            values: ["employee_number": "10024", "start_date": "2021-01-01", "department": "Sales", "salary": "41000 SEK"])
        for id in [a, b] {
            try await f.act("publish", id)
            try await f.act("sign", id)
        }
        return (a, b)
    }

    @Test("one callback id keeps at most three rows: a captured signature cannot name contract after contract", arguments: [false, true])
    func copiesCapped(sqliteFile: Bool) async throws {
        let overrides = ["API_KEYS": testAPIKey].merging(sqliteFile ? ["DATABASE_URL": ""] : [:]) { _, new in new }
        try await withRunningApp(overrides) { r in
            let f = try await SyncFixture.connect(r)
            // given: a signed callback id, then the same one naming three other contracts
            var answers: [String] = []
            for contract in [910_001, 910_002, 910_003, 910_004] {
                answers.append(try await f.post(try f.notification(contractID: contract, events: ["contract:sign"], callbackID: "cb-cap")).body)
            }
            // then: the notification and two copies are stored; the fourth is answered as a duplicate and not kept
            #expect(answers.map { $0.contains("accepted") } == [true, true, true, false])
            let rows = try await f.deliveries().filter { $0.callbackID == "cb-cap" }
            #expect(rows.map(\.oneflowContractID) == [910_001, 910_002, 910_003])
            #expect(DeliveryInbox.maxRowsPerCallback == 3)
        }
    }

    @Test(
        "the same signed callback id for another contract: stored, both contracts synced, the conflict logged and shown; exact retries stay duplicates",
        arguments: [false, true])
    func conflictingCopy(sqliteFile: Bool) async throws {
        let logs = LogStore()
        // A SQLite file is written through the inbox's share of the write thread (`InboxWriter`).
        let overrides = ["API_KEYS": testAPIKey].merging(sqliteFile ? ["DATABASE_URL": ""] : [:]) { _, new in new }
        try await withRunningApp(overrides, logs: logs) { r in
            let f = try await SyncFixture.connect(r)
            #expect((r.app.services.storage.writeThread != nil) == sqliteFile)
            let (a, b) = try await twoContracts(f)

            // given: a signed notification for contract A
            let first = try await f.post(try f.notification(contractID: a, events: ["contract:sign"], callbackID: "cb-shared"))
            #expect(first.status == 200 && first.body.contains("accepted"))
            // when: the same callback id and its valid signature come for contract B
            let second = try await f.post(try f.notification(contractID: b, events: ["contract:sign"], callbackID: "cb-shared"))
            // then: a second delivery with its own job, not a duplicate
            #expect(second.status == 200 && second.body.contains("accepted"))
            for contract in [a, b] {
                let retry = try await f.post(try f.notification(contractID: contract, events: ["contract:sign"], callbackID: "cb-shared"))
                #expect(retry.status == 200 && retry.body.contains("duplicate"), "retry of \(contract)")
            }
            let shared = try await f.deliveries().filter { $0.callbackID == "cb-shared" }
            #expect(shared.map(\.oneflowContractID) == [a, b])
            #expect(shared.map(\.callbackCopy) == [false, true])

            // and the worker fetches and syncs both contracts
            await f.drain()
            for delivery in shared {
                #expect(try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .processed, "contract \(delivery.oneflowContractID)")
            }
            #expect(try await f.contractRow(a)?.status == "signed")
            #expect(try await f.contractRow(b)?.status == "signed")
            #expect(Set(try await f.employees().compactMap(\.employeeNumber)).isSuperset(of: ["10023", "10024"]))

            // and one notice, naming the installation and the callback id, never the signature
            let notices = logs.all.filter { $0.contains("conflicting copy") }
            #expect(notices.count == 1)
            let installationID = try f.installation.requireID().uuidString
            #expect(notices.first?.contains("cb-shared") == true && notices.first?.contains(installationID) == true)
            let signature = WebhookNotification.signature(callbackID: "cb-shared", signKey: try f.signKey)
            #expect(!logs.all.contains { $0.contains(signature) })

            // and the admin sees the conflict on the list and on each delivery
            let admin = try await AdminTests().signIn(f)
            let list = try await admin.get("/admin/activity")
            #expect(list.body.components(separatedBy: ">conflict</span>").count - 1 == 2)
            for (delivery, other) in zip(shared, [b, a]) {
                let detail = try await admin.get("/admin/activity/\(try delivery.requireID())")
                #expect(detail.body.contains("also delivered for contract \(other)."))
            }
        }
    }

    @Test(
        "a retried notification's rows are counted through its callback id's two indexes, not the installation's deliveries",
        arguments: MigrationTests.databases)
    func copyCountIndexed(url: String) async throws {
        try await MigrationTests().withDatabase(url) { app in
            // Given: the copy insert an acknowledgement runs for a callback id stored before
            let (installation, callback) = (UUID(), "cb-1")
            let values: [RawSQLite.Value] = [
                .uuid(UUID()), .uuid(installation), .text(callback), .integer(7), .text("contract:publish"), .text("{}"), .text("pending"),
                .integer(0), .date(Date()), .uuid(installation), .text(callback), .uuid(installation), .text(callback),
            ]
            // When: the database plans it
            let plan = try await QueryPlan.of(SQLQueryString(DeliveryInbox.insertCopy, binding: values), on: app.db)
            // Then: each half is read through its partial index, by installation and callback id
            #expect(plan.contains("webhook_deliveries_callback ") && plan.contains("webhook_deliveries_copies"), "\(plan)")
        }
    }

    @Test("deliveries with callback ids of their own are not marked")
    func noConflict() async throws {
        try await withSyncFixture { f in
            let (a, b) = try await twoContracts(f)
            _ = try await f.post(try f.notification(contractID: a, events: ["contract:sign"], callbackID: "cb-a"))
            _ = try await f.post(try f.notification(contractID: b, events: ["contract:sign"], callbackID: "cb-b"))
            let admin = try await AdminTests().signIn(f)
            let list = try await admin.get("/admin/activity")
            #expect(list.status == 200)
            #expect(!list.body.contains(">conflict</span>"))
            let delivery = try #require(try await f.deliveries().first { $0.callbackID == "cb-a" })
            #expect(!(try await admin.get("/admin/activity/\(try delivery.requireID())").body.contains("also delivered for contract")))
        }
    }
}

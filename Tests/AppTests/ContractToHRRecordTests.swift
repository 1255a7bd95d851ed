import Crypto
import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// Contract events of our template group become HR records, exactly once, whatever the order.
@Suite("Contract → HR records")
struct ContractToHRRecordTests {
    @Test("sign a contract in our group: within seconds the employee exists with mapped fields, status and the PDF")
    func signed() async throws {
        try await withSyncFixture(worker: true) { f in
            let id = try await f.signedContract()
            let appeared = try await eventually {
                let status = try await f.contractRow(id)?.status
                let documents = try await Document.query(on: f.db).count()
                return status == "signed" && documents == 1
            }
            let deliveries = try await f.deliveries().map { "\($0.status) \($0.outcomeReason ?? "")" }
            let jobs = try await Job.query(on: f.db).all().map { "\($0.kind) \($0.status) \($0.lastError ?? "")" }
            #expect(appeared, "deliveries: \(deliveries), jobs: \(jobs)")
            let employee = try #require(try await f.employees().first)
            #expect(try await f.employees().count == 1)
            #expect(employee.name == "Jane Doe")
            #expect(employee.email == "jane@example.com")
            #expect(employee.phone == "+46701234567")
            #expect(employee.title == "Support Engineer")
            #expect(employee.employeeNumber == "10023")
            #expect(employee.employmentStatus == "ACTIVE")
            #expect(try employee.personalNumberSealed.map(f.r.app.services.secretBox.open) == "19900101-1234")
            #expect(!(employee.personalNumberSealed ?? "").contains("19900101"))
            let fields = try JSONDecoder().decode([String: String].self, from: Data(employee.fields.utf8))
            #expect(fields == ["employee_number": "10023", "start_date": "2020-01-01", "department": "Support", "salary": "42000 SEK"])
            let contract = try #require(try await f.contractRow(id))
            #expect(contract.$employee.id == employee.id)
            #expect(contract.signedAt != nil)
            #expect(contract.startDate == "2020-01-01")
            let document = try #require(try await Document.query(on: f.db).first())
            let bytes = try await DocumentStore(db: f.db, dataDirectory: f.r.app.services.config.dataDirectory).read(document)
            #expect(bytes.starts(with: Array("%PDF".utf8)))
            // In the database, so every instance of a scale-out deployment can serve it.
            #expect(document.storagePath == Document.inDatabase)
            #expect(!FileManager.default.fileExists(atPath: f.r.app.services.config.dataDirectory + "/documents"))
            #expect(document.size == bytes.count)
            #expect(document.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
            // Both notifications (publish, sign) end processed; the worker may still be on the second.
            let settled = try await eventually { try await f.deliveries().allSatisfy { $0.status == .processed } }
            let outcomes = try await f.deliveries().map { "\($0.status): \($0.outcomeReason ?? "")" }
            #expect(settled, "\(outcomes)")
        }
    }

    @Test("a contract of another template group is ignored with the reason; no employee")
    func otherGroup() async throws {
        try await withSyncFixture { f in
            let otherID = try await f.otherTemplateGroup()
            let id = try await f.newContract(templateTypeID: otherID, values: [:])
            try await f.act("publish", id)
            try await f.act("sign", id)
            // Oneflow would not route it to our webhook; a forged-but-signed copy arrives anyway.
            #expect(try await f.post(try f.notification(contractID: id, events: ["contract:sign"])).status == 200)
            await f.drain()
            let delivery = try #require(try await f.deliveries().first)
            #expect(delivery.status == .ignored)
            #expect(delivery.outcomeReason?.contains("template group \(otherID), not ours") == true)
            #expect(try await f.employees().isEmpty)
        }
    }

    @Test("the same notification many times makes one HR change; a replay makes none")
    func exactlyOnce() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            let body = try f.notification(contractID: id, events: ["contract:sign"], callbackID: "cb-once")
            for _ in 0..<10 { _ = try await f.post(body) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 { group.addTask { _ = try await f.post(body) } }
                try await group.waitForAll()
            }
            await f.drain()
            // The sandbox's own notifications for publish and sign arrive too; ours is one row.
            #expect(try await f.deliveries().filter { $0.callbackID == "cb-once" }.count == 1)
            #expect(try await f.history().count == 1)
            let delivery = try #require(try await f.deliveries().first { $0.callbackID == "cb-once" })
            try await DeliveryReplay(writer: f.r.app.services.storage.writer(on: f.db), maxAttempts: 5).replay(delivery, at: Date())
            await f.drain()
            #expect(try await f.history().count == 1)
            #expect(try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .processed)
            #expect(try await Document.query(on: f.db).count() == 1)
        }
    }

    @Test("sign delivered before publish, then a stale event: the final state is Oneflow's")
    func outOfOrder() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: "sign"))
            await f.drain()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:publish"], callbackID: "publish-late"))
            await f.drain()
            #expect(try await f.contractRow(id)?.status == "signed")

            // A fetch that raced and came back older than what is stored is not applied.
            let stored = try #require(try await f.contractRow(id))
            var older = ContractMapper.map(
                try await f.r.oneflow.contract(f.credentials, id: id), mapping: FieldSet.configured(f.r.app.services.config).mapping, now: Date())
            older.status = "pending"
            older.stateUpdatedAt = stored.stateUpdatedAt?.addingTimeInterval(-60)
            let installationID = try f.installation.requireID()
            let writer = HRRecordWriter(box: f.r.app.services.secretBox, clock: f.r.app.services.clock)
            let fetched = older
            let outcome = try await f.r.app.services.storage.writer(on: f.db).transaction(.background) { tx in
                try await InstallationLock.acquire(installationID, on: tx)
                return try await writer.apply(
                    [(fetched, .init(name: "test", deliveryID: nil, eventTypes: []))], installationID: installationID, locked: tx)[0]
            }
            #expect(outcome.kind == .stale)
            #expect(try await f.contractRow(id)?.status == "signed")
        }
    }

    @Test("declined, then deleted in Oneflow: the contract row follows, history keeps both")
    func declinedAndDeleted() async throws {
        try await withSyncFixture { f in
            let id = try await f.newContract()
            try await f.act("publish", id)
            try await f.act("decline", id)
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:decline"]))
            await f.drain()
            #expect(try await f.contractRow(id)?.status == "declined")
            // The first row says what the contract was created with, its status included.
            let created = try #require(try await f.history().first)
            let changes = try JSONDecoder().decode([String: [String: String?]].self, from: Data(created.changes.utf8))
            #expect(created.fromStatus == nil)
            #expect(changes["contract.status"] == ["from": nil, "to": "declined"])
            try await f.act("delete", id)
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:delete"]))
            await f.drain()
            #expect(try await f.contractRow(id)?.status == "deleted")
            #expect(try await f.history().map(\.toStatus).sorted() == ["declined", "deleted"])
        }
    }

    @Test("unknown event types are recorded and otherwise ignored")
    func unknownEvents() async throws {
        try await withSyncFixture { f in
            let id = try await f.newContract()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:teleport"]))
            await f.drain()
            let delivery = try #require(try await f.deliveries().first)
            #expect(delivery.status == .processed)
            #expect(delivery.outcomeReason?.contains("unknown event types recorded: contract:teleport") == true)
        }
    }

    @Test("the same employee (by number, then email) across two contracts is one employee")
    func matching() async throws {
        try await withSyncFixture { f in
            let first = try await f.newContract(values: ["employee_number": "7"])
            let second = try await f.newContract(email: "other@example.com", values: ["employee_number": "7"])
            // No number: matched by email — the one the second contract brought.
            let third = try await f.newContract(name: "Jane D.", email: "other@example.com", values: [:])
            for id in [first, second, third] {
                try await f.act("publish", id)
                _ = try await f.post(try f.notification(contractID: id, events: ["contract:publish"]))
            }
            await f.drain()
            #expect(try await f.employees().count == 1)
            #expect(try await EmploymentContract.query(on: f.db).count() == 3)
        }
    }

    @Test("documents an earlier version stored on disk are still served")
    func legacyDocumentOnDisk() async throws {
        try await withTestApp { app in
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let employee = Employee(installationID: try installation.requireID())
            try await employee.save(on: app.db)
            let directory = app.services.config.dataDirectory
            try FileManager.default.createDirectory(atPath: directory + "/documents", withIntermediateDirectories: true)
            try Data("%PDF-legacy".utf8).write(to: URL(fileURLWithPath: directory + "/documents/old.pdf"))
            let document = Document(
                employeeID: try employee.requireID(), contractID: nil, filename: "old.pdf", contentType: "application/pdf",
                size: 11, sha256: "x", storagePath: "documents/old.pdf")
            try await document.save(on: app.db)

            let bytes = try await DocumentStore(db: app.db, dataDirectory: directory).read(document)
            #expect(String(decoding: bytes, as: UTF8.self) == "%PDF-legacy")
        }
    }
}

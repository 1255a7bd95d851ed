import Crypto
import Fluent
import Foundation
import Testing

@testable import App

@Suite("Outbound notifications")
struct NotificationTests {
    func withReceiver(
        statuses: [UInt] = [], settings: [String: String] = [:], worker: Bool = false, _ body: (SyncFixture, HRReceiver) async throws -> Void
    ) async throws {
        let receiver = try await HRReceiver.start(statuses: statuses, only: ("POST", "/hr/notify"))
        do {
            let notify = ["NOTIFY_ENDPOINT": receiver.url, "NOTIFY_KEY": "k 1", "NOTIFY_SECRET": "s3cret"]
            try await withSyncFixture(notify.merging(settings) { a, _ in a }, worker: worker) { f in
                try await body(f, receiver)
            }
        } catch {
            try? await receiver.stop()
            throw error
        }
        try await receiver.stop()
    }

    /// A sender for the test, always shut down after (its HTTP client must be).
    func withSender(_ f: SyncFixture, _ body: (NotificationSender) async throws -> Void) async throws {
        let sender = f.notificationSender()
        do {
            try await body(sender)
        } catch {
            await sender.shutdown()
            throw error
        }
        await sender.shutdown()
    }

    @Test(
        "serve's own sender, beside its worker on a SQLite file (their writes on the write thread) or PostgreSQL, sends a signed contract's notifications"
    )
    func sentByServe() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-sender-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Given serve with its worker and sender running
        let database = testsRunOnPostgres ? [:] : ["DATA_DIR": dir, "DATABASE_URL": ""]
        try await withReceiver(settings: database, worker: true) { f, receiver in
            // When a contract of ours is signed
            _ = try await f.signedContract()
            // Then its three notifications reach the HR system, and are marked sent
            let sent = try await eventually {
                try await OutboundNotification.query(on: f.db).filter(\.$status == .sent).count() == 3
            }
            let outbox = try await OutboundNotification.query(on: f.db).all().map { "\($0.type) \($0.status) \($0.lastError ?? "")" }
            #expect(sent, "\(outbox)")
            #expect(receiver.received.count == 3)
        }
    }

    @Test("a signed contract sends employee, contract and document notifications: signed, keyed, documented, retried after a 500, in order")
    func delivered() async throws {
        try await withReceiver(statuses: [500]) { f, receiver in
            let id = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"]))
            await f.drain()
            let outbox = try await OutboundNotification.query(on: f.db).sort(\.$createdAt).all()
            #expect(outbox.map { "\($0.type) \($0.reason)" } == ["employee created", "contract created", "document created"])

            try await withSender(f) { sender in
                _ = try await sender.drain(now: Date())
                // The first answer was 500: that one waits, and the ones after it for the same employee wait too.
                #expect(receiver.received.count == 1)
                let first = try #require(try await OutboundNotification.find(outbox[0].id, on: f.db))
                #expect(first.status == .failed)
                #expect(first.lastError == "HTTP 500")
                #expect(try await OutboundNotification.find(outbox[1].id, on: f.db)?.status == .pending)

                _ = try await sender.drain(now: Date().addingTimeInterval(3600))
                #expect(try await OutboundNotification.query(on: f.db).filter(\.$status == .sent).count() == 3)
                let received = receiver.received
                #expect(received.count == 4)
                for item in received {
                    #expect(item.query == "key=k%201")
                    let mac = HMAC<SHA256>.authenticationCode(for: Data(item.body.utf8), using: SymmetricKey(data: Data("s3cret".utf8)))
                    #expect(item.signature == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
                }
                let bodies = try received.map { try #require(try JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any]) }
                #expect(
                    bodies.map { "\($0["type"]!) \($0["reason"]!)" } == [
                        "employee created", "employee created", "contract created", "document created",
                    ])
                #expect(Set(bodies[0].keys) == ["timestamp", "type", "reason", "installation", "data"])
                let installation = try #require(bodies[0]["installation"] as? [String: Any])
                #expect(installation["id"] as? String == f.installation.id?.uuidString)
                #expect(installation["oneflow_account_id"] as? Int == f.accountID)
                #expect(installation["oneflow_account_name"] as? String == "Acme AB")
                #expect(bodies[0]["timestamp"] is Int)
                let data = try #require(bodies[0]["data"] as? [String: Any])
                #expect(data["name"] as? String == "Jane Doe")
                #expect(data["id"] as? String == (try await f.employees().first?.id?.uuidString))
                #expect((bodies[3]["data"] as? [String: Any])?["sha256"] is String)
            }
        }
    }

    @Test("the admin page lists notifications and sends one again")
    func admin() async throws {
        try await withReceiver { f, _ in
            let id = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"]))
            await f.drain()
            try await withSender(f) { _ = try await $0.drain(now: Date()) }
            let admin = try await AdminTests().signIn(f)
            let page = try await admin.get("/admin/notifications")
            #expect(page.body.contains("notify-sent"))
            let n = try #require(try await OutboundNotification.query(on: f.db).first())
            let again = try await admin.post("/admin/notifications/\(try n.requireID())/replay", form: ["csrf_token": try #require(page.csrfToken)])
            #expect(again.status == 303)
            #expect(try await OutboundNotification.find(n.id, on: f.db)?.status == .pending)
        }
    }

    @Test("with no endpoint configured, nothing is queued")
    func off() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"]))
            await f.drain()
            #expect(try await f.history().count == 1)
            #expect(try await OutboundNotification.query(on: f.db).count() == 0)
        }
    }
}

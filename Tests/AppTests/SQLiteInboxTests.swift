import Fluent
import Foundation
import NIOPosix
import OneflowAPI
import SQLiteNIO
import Testing
import Vapor
@testable import App

/// The inbox's own SQLite connection (a SQLite file: the embedded default of `serve`):
/// rows written through SQLite's C API must be the rows Fluent's models read.
@Suite("SQLite inbox connection")
struct SQLiteInboxTests {
    func notification(_ callbackID: String) throws -> WebhookNotification {
        let json = #"{"contract":{"id":7},"callback_id":"\#(callbackID)","events":[{"created_time":"2026-01-01T10:00:00+0000","id":1,"type":"contract:sign"},{"created_time":"2026-01-01T10:00:01+0000","id":2,"type":"contract:lifecycle_state:signed"}],"signature":"x"}"#
        return try JSONDecoder.oneflow().decode(WebhookNotification.self, from: Data(json.utf8))
    }

    /// An app on a SQLite file of its own (migrated by `configure`), and an inbox connection to it.
    func withFileApp(_ body: (Application, String, SQLiteInboxConnection) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "hrbridge-inbox-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await withTestApp(["DATABASE_URL": "sqlite://" + path]) { app in
            let connection = SQLiteInboxConnection(path: path, busyTimeoutMilliseconds: 5_000, gate: WriteGate())
            do {
                try await body(app, path, connection)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }

    @Test("a burst of 100 (50 distinct, each twice): 50 deliveries and 50 jobs that Fluent reads back field for field")
    func burst() async throws {
        try await withFileApp { app, _, connection in
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let installationID = try installation.requireID()
            let inbox = GroupCommitInbox(maxAttempts: 5, database: connection)
            let receivedAt = Date(timeIntervalSince1970: 1_790_000_000.123456)
            let entries = try (0..<100).map { try DeliveryInbox.Entry(notification: notification("burst-\($0 % 50)"), installationID: installationID, receivedAt: receivedAt) }

            let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
                for entry in entries { group.addTask { try await inbox.accept(entry) } }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(answers.count(where: { $0 }) == 50)

            let deliveries = try await WebhookDelivery.query(on: app.db).all()
            #expect(deliveries.count == 50 && Set(deliveries.map(\.callbackID)).count == 50)
            let first = try #require(deliveries.first)
            #expect(first.$installation.id == installationID && first.oneflowContractID == 7 && first.status == .pending && first.attempts == 0)
            #expect(first.eventTypes == "contract:sign,contract:lifecycle_state:signed")
            #expect(abs(first.receivedAt.timeIntervalSince(receivedAt)) < 0.000_01)
            let stored = try JSONDecoder.oneflow().decode(DeliveryInbox.StoredPayload.self, from: Data(first.payload.utf8))
            #expect(stored.callback_id == first.callbackID && stored.contract.id == 7 && stored.events.count == 2)

            let jobs = try await Job.query(on: app.db).filter(\.$kind == JobQueue.Kind.syncDelivery).all()
            #expect(jobs.count == 50 && jobs.allSatisfy { $0.status == .queued && $0.maxAttempts == 5 && $0.attempts == 0 })
            #expect(jobs.allSatisfy { abs($0.runAt.timeIntervalSince(receivedAt)) < 0.000_01 })
            let pointedAt = try Set(jobs.map { try DeliveryInbox.JobPayload.deliveryID(in: $0.payload) })
            #expect(pointedAt == Set(deliveries.compactMap(\.id)))
            // A retry later: a duplicate, nothing new.
            let again = try await inbox.accept(entries[0])
            let rows = try await WebhookDelivery.query(on: app.db).count()
            #expect(!again && rows == 50)
        }
    }

    @Test("a batch that fails stores nothing and the next one succeeds on a fresh connection")
    func failureThenRecovery() async throws {
        try await withFileApp { app, _, connection in
            let inbox = GroupCommitInbox(maxAttempts: 5, database: connection)
            // No installation row: the foreign key (switched on for this connection too) rejects it.
            await #expect(throws: RawSQLiteError.self) {
                _ = try await inbox.accept(.init(notification: try notification("orphan"), installationID: UUID(), receivedAt: Date()))
            }
            #expect(try await WebhookDelivery.query(on: app.db).count() == 0)
            #expect(try await Job.query(on: app.db).count() == 0)

            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let accepted = try await inbox.accept(.init(notification: try notification("after"), installationID: try installation.requireID(), receivedAt: Date()))
            let rows = try await WebhookDelivery.query(on: app.db).count()
            #expect(accepted && rows == 1)
        }
    }

    @Test("after close, a notification is refused (503 upstream), not written")
    func closed() async throws {
        try await withFileApp { app, _, connection in
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            await connection.close()
            let inbox = GroupCommitInbox(maxAttempts: 5, database: connection)
            await #expect(throws: InboxDatabaseError.self) {
                _ = try await inbox.accept(.init(notification: try notification("late"), installationID: try installation.requireID(), receivedAt: Date()))
            }
        }
    }

    @Test("the write-ahead log is copied into the database file in the background")
    func checkpointsInBackground() async throws {
        try await withFileApp { app, path, connection in
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let inbox = GroupCommitInbox(maxAttempts: 5, database: connection)
            // Far below SQLite's automatic checkpoint (1,000 pages): only the checkpointer moves these.
            for n in 0..<3 {
                _ = try await inbox.accept(.init(notification: try notification("wal-\(n)"), installationID: try installation.requireID(), receivedAt: Date()))
                try await Task.sleep(for: .milliseconds(300))
            }
            // `immutable=1` reads the database file alone, ignoring the log.
            @Sendable func rowsInFile() async -> Int? {
                guard let reader = try? await SQLiteConnection.open(storage: .file(path: "file:\(path)?immutable=1"), threadPool: .singleton,
                                                                    on: MultiThreadedEventLoopGroup.singleton.any()) else { return nil }
                let count = try? await reader.query("SELECT COUNT(*) AS n FROM webhook_deliveries").first?.column("n")?.integer
                try? await reader.close()
                return count
            }
            let copied = try await eventually(within: 5) { await rowsInFile() == 3 }
            #expect(copied)
        }
    }
}

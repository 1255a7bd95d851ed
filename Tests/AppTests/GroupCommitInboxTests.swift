import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor
@testable import App

/// The ack path's inbox: raw SQL inserts shared by concurrent requests (group commit).
@Suite("Group-commit inbox")
struct GroupCommitInboxTests {
    /// A signed-looking notification of contract 7 with two events (the signature is not checked here).
    static func notification(_ callbackID: String) throws -> WebhookNotification {
        let json = #"{"contract":{"id":7},"callback_id":"\#(callbackID)","events":[{"created_time":"2026-01-01T10:00:00+0000","id":1,"type":"contract:sign"},{"created_time":"2026-01-01T10:00:01+0000","id":2,"type":"contract:lifecycle_state:signed"}],"signature":"x"}"#
        return try JSONDecoder.oneflow().decode(WebhookNotification.self, from: Data(json.utf8))
    }

    func notification(_ callbackID: String) throws -> WebhookNotification { try Self.notification(callbackID) }

    /// A burst of 100 (50 distinct, each twice) through an inbox on `database`: 50 deliveries
    /// and 50 jobs that Fluent reads back field for field, each copy answered as a duplicate.
    /// Shared by both inbox databases (this suite: Fluent's; `SQLiteInboxTests`: its own connection).
    static func checkBurst(app: Application, database: any InboxDatabase) async throws {
        let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
        try await installation.save(on: app.db)
        let installationID = try installation.requireID()
        let inbox = GroupCommitInbox(maxAttempts: 5, database: database)
        let receivedAt = Date(timeIntervalSince1970: 1_790_000_000.123456)
        let entries = try (0..<100).map { DeliveryInbox.Entry(notification: try notification("burst-\($0 % 50)"), installationID: installationID, receivedAt: receivedAt) }

        let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
            for entry in entries { group.addTask { try await inbox.accept(entry) } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers.count(where: { $0 }) == 50)

        let deliveries = try await WebhookDelivery.query(on: app.db).all()
        #expect(deliveries.count == 50 && Set(deliveries.map(\.callbackID)).count == 50)
        #expect(deliveries.allSatisfy { $0.$installation.id == installationID && $0.oneflowContractID == 7 && $0.status == .pending && $0.attempts == 0 })
        #expect(deliveries.allSatisfy { $0.eventTypes == "contract:sign,contract:lifecycle_state:signed" })
        #expect(deliveries.allSatisfy { abs($0.receivedAt.timeIntervalSince(receivedAt)) < 0.000_01 })
        let first = try #require(deliveries.first)
        let stored = try JSONDecoder.oneflow().decode(DeliveryInbox.StoredPayload.self, from: Data(first.payload.utf8))
        #expect(stored.callback_id == first.callbackID && stored.contract.id == 7 && stored.events.count == 2)

        let jobs = try await Job.query(on: app.db).filter(\.$kind == JobQueue.Kind.syncDelivery).all()
        #expect(jobs.count == 50 && jobs.allSatisfy { $0.status == .queued && $0.maxAttempts == 5 && $0.attempts == 0 })
        #expect(jobs.allSatisfy { abs($0.runAt.timeIntervalSince(receivedAt)) < 0.000_01 })
        let pointedAt = try Set(jobs.map { try DeliveryInbox.JobPayload.deliveryID(in: $0.payload) })
        #expect(pointedAt == Set(deliveries.compactMap(\.id)))
        // The same notification later: a duplicate, nothing new.
        let again = try await inbox.accept(entries[0])
        let rows = try await WebhookDelivery.query(on: app.db).count()
        #expect(!again && rows == 50)
    }

    @Test("a burst of 100 (50 distinct, each twice): 50 rows with 50 jobs, each copy answered as a duplicate")
    func burst() async throws {
        try await withTestApp { app in
            try await Self.checkBurst(app: app, database: FluentInboxDatabase(gate: WriteGate()) { app.db })
        }
    }

    @Test("when the storage fails, every waiting request fails with it and nothing is stored")
    func failure() async throws {
        try await withTestApp { app in
            // No installation row: the foreign key rejects the batch.
            let inbox = GroupCommitInbox(maxAttempts: 5, database: FluentInboxDatabase(gate: WriteGate()) { app.db })
            await #expect(throws: (any Error).self) {
                _ = try await inbox.accept(.init(notification: try notification("orphan"), installationID: UUID(), receivedAt: Date()))
            }
            let rows = try await WebhookDelivery.query(on: app.db).count()
            let jobs = try await Job.query(on: app.db).count()
            #expect(rows == 0 && jobs == 0)
        }
    }
}

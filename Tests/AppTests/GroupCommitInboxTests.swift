import Fluent
import Foundation
import OneflowAPI
import Testing
@testable import App

/// The ack path's inbox: raw SQL inserts shared by concurrent requests (group commit).
@Suite("Group-commit inbox")
struct GroupCommitInboxTests {
    func notification(_ callbackID: String) throws -> WebhookNotification {
        let json = #"{"contract":{"id":7},"callback_id":"\#(callbackID)","events":[{"created_time":"2026-01-01T10:00:00+0000","id":1,"type":"contract:sign"}],"signature":"x"}"#
        return try JSONDecoder.oneflow().decode(WebhookNotification.self, from: Data(json.utf8))
    }

    @Test("a burst of 100 (50 distinct, each twice): 50 rows with 50 jobs, each copy answered as a duplicate")
    func burst() async throws {
        try await withTestApp { app in
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let installationID = try installation.requireID()
            let inbox = GroupCommitInbox(maxAttempts: 5, database: FluentInboxDatabase(gate: WriteGate()) { app.db })
            let entries = try (0..<100).map { try DeliveryInbox.Entry(notification: notification("burst-\($0 % 50)"), installationID: installationID, receivedAt: Date()) }

            let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
                for entry in entries { group.addTask { try await inbox.accept(entry) } }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }

            #expect(answers.count(where: { $0 }) == 50)

            let deliveries = try await WebhookDelivery.query(on: app.db).all()
            #expect(Set(deliveries.map(\.callbackID)).count == 50 && deliveries.count == 50)
            #expect(deliveries.allSatisfy { $0.status == .pending && $0.eventTypes == "contract:sign" && $0.oneflowContractID == 7 })
            let jobs = try await Job.query(on: app.db).filter(\.$kind == JobQueue.Kind.syncDelivery).all()
            #expect(jobs.count == 50)
            #expect(jobs.allSatisfy { $0.status == .queued && $0.maxAttempts == 5 })
            let pointedAt = try Set(jobs.map { try DeliveryInbox.JobPayload.deliveryID(in: $0.payload) })
            #expect(pointedAt == Set(deliveries.compactMap(\.id)))
            // The same notification later: a duplicate, nothing new.
            let again = try await inbox.accept(entries[0])
            let rows = try await WebhookDelivery.query(on: app.db).count()
            #expect(!again && rows == 50)
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

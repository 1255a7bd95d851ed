import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor

@testable import App
@testable import SQLiteStorage

/// The ack path's inbox: raw SQL inserts shared by concurrent requests (group commit).
@Suite("Group-commit inbox")
struct GroupCommitInboxTests {
    /// A signed-looking notification of contract 7 (or another) with two events (the signature is not checked here).
    static func notification(_ callbackID: String, contractID: Int = 7) throws -> WebhookNotification {
        let json =
            #"{"contract":{"id":\#(contractID)},"callback_id":"\#(callbackID)","events":[{"created_time":"2026-01-01T10:00:00+0000","id":1,"type":"contract:sign"},{"created_time":"2026-01-01T10:00:01+0000","id":2,"type":"contract:lifecycle_state:signed"}],"signature":"x"}"#
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
        let entries = try (0..<100).map {
            DeliveryInbox.Entry(notification: try notification("burst-\($0 % 50)"), installationID: installationID, receivedAt: receivedAt)
        }

        let answers = try await withThrowingTaskGroup(of: DeliveryInbox.Stored.self) { group in
            for entry in entries { group.addTask { try await inbox.accept(entry) } }
            return try await group.reduce(into: [DeliveryInbox.Stored]()) { $0.append($1) }
        }
        #expect(answers.count(where: { $0 == .new }) == 50 && answers.count(where: { $0 == .duplicate }) == 50)

        let deliveries = try await WebhookDelivery.query(on: app.db).all()
        #expect(deliveries.count == 50 && Set(deliveries.map(\.callbackID)).count == 50)
        #expect(
            deliveries.allSatisfy { $0.$installation.id == installationID && $0.oneflowContractID == 7 && $0.status == .pending && $0.attempts == 0 })
        #expect(deliveries.allSatisfy { $0.eventTypes == "contract:sign,contract:lifecycle_state:signed" })
        #expect(deliveries.allSatisfy { abs($0.receivedAt.timeIntervalSince(receivedAt)) < 0.000_01 })
        let first = try #require(deliveries.first)
        let stored = try JSONDecoder.oneflow().decode(DeliveryInbox.StoredPayload.self, from: Data(first.payload.utf8))
        #expect(stored.callback_id == first.callbackID && stored.contract.id == 7 && stored.events.count == 2)

        let jobs = try await Job.query(on: app.db).filter(\.$kind == JobQueue.Kind.syncDelivery).all()
        #expect(jobs.count == 50 && jobs.allSatisfy { $0.status == .queued && $0.maxAttempts == 5 && $0.attempts == 0 })
        #expect(jobs.allSatisfy { abs($0.runAt.timeIntervalSince(receivedAt)) < 0.000_01 })
        let pointedAt = try Set(jobs.map { try DeliveryJobPayload.deliveryID(in: $0.payload) })
        #expect(pointedAt == Set(deliveries.compactMap(\.id)))
        // The same notification later: a duplicate, nothing new.
        let again = try await inbox.accept(entries[0])
        let rows = try await WebhookDelivery.query(on: app.db).count()
        #expect(again == .duplicate && rows == 50)
    }

    /// A callback id again with another contract, through an inbox on `database`: stored as a
    /// copy with its own job, alone and within one batch; an exact retry of either is a duplicate.
    /// Shared by both inbox databases, like `checkBurst`.
    static func checkConflictingCopies(app: Application, database: any InboxDatabase) async throws {
        let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
        try await installation.save(on: app.db)
        let inbox = GroupCommitInbox(maxAttempts: 5, database: database)
        func accept(_ callbackID: String, _ contractID: Int) async throws -> DeliveryInbox.Stored {
            try await inbox.accept(
                .init(
                    notification: try notification(callbackID, contractID: contractID), installationID: try installation.requireID(),
                    receivedAt: Date()))
        }

        // One after another: A, then B under A's callback id, then retries of both.
        #expect(try await accept("cb-1", 7) == .new)
        #expect(try await accept("cb-1", 8) == .conflictingCopy)
        #expect(try await accept("cb-1", 7) == .duplicate)
        #expect(try await accept("cb-1", 8) == .duplicate)
        #expect(try await accept("cb-1", 9) == .conflictingCopy)
        // All at once (one batch, or a few): each contract once.
        let together = try await withThrowingTaskGroup(of: DeliveryInbox.Stored.self) { group in
            for contract in [20, 21, 20, 21, 20, 21] { group.addTask { try await accept("cb-2", contract) } }
            return try await group.reduce(into: [DeliveryInbox.Stored]()) { $0.append($1) }
        }
        #expect(together.count(where: { $0 == .new }) == 1 && together.count(where: { $0 == .conflictingCopy }) == 1)

        let deliveries = try await WebhookDelivery.query(on: app.db).all()
        let byCallback = Dictionary(grouping: deliveries, by: \.callbackID)
        #expect(byCallback["cb-1"]?.map(\.oneflowContractID).sorted() == [7, 8, 9])
        #expect(byCallback["cb-1"]?.filter(\.callbackCopy).map(\.oneflowContractID).sorted() == [8, 9])
        #expect(byCallback["cb-2"]?.map(\.oneflowContractID).sorted() == [20, 21])
        #expect(byCallback["cb-2"]?.count(where: \.callbackCopy) == 1)
        let jobs = try await Job.query(on: app.db).filter(\.$kind == JobQueue.Kind.syncDelivery).all()
        #expect(try Set(jobs.map { try DeliveryJobPayload.deliveryID(in: $0.payload) }) == Set(deliveries.compactMap(\.id)) && jobs.count == 5)
    }

    @Test("the same callback id for another contract is a conflicting copy with its own job; an exact retry is a duplicate")
    func conflictingCopies() async throws {
        try await withTestApp { app in
            try await Self.checkConflictingCopies(app: app, database: InboxWriter(connection: nil) { app.services.storage.writer(on: app.db) })
        }
    }

    @Test("a burst of 100 (50 distinct, each twice): 50 rows with 50 jobs, each copy answered as a duplicate")
    func burst() async throws {
        try await withTestApp { app in
            try await Self.checkBurst(app: app, database: InboxWriter(connection: nil) { app.services.storage.writer(on: app.db) })
        }
    }

    @Test("when the storage fails, every waiting request fails with it and nothing is stored")
    func failure() async throws {
        try await withTestApp { app in
            // No installation row: the foreign key rejects the batch.
            let inbox = GroupCommitInbox(maxAttempts: 5, database: InboxWriter(connection: nil) { app.services.storage.writer(on: app.db) })
            await #expect(throws: (any Error).self) {
                _ = try await inbox.accept(.init(notification: try notification("orphan"), installationID: UUID(), receivedAt: Date()))
            }
            let rows = try await WebhookDelivery.query(on: app.db).count()
            let jobs = try await Job.query(on: app.db).count()
            #expect(rows == 0 && jobs == 0)
        }
    }
}

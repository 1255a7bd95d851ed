import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor

@testable import App
@testable import SQLiteStorage

/// One write connection and thread per SQLite file and process (`SQLiteWriteThread`): the
/// inbox and the worker share it inside `serve`, and it closes with its last user, whichever
/// of them shuts down first.
@Suite("SQLite write thread")
struct SQLiteWriteThreadTests {
    func notification(_ callbackID: String) throws -> WebhookNotification { try GroupCommitInboxTests.notification(callbackID) }

    @Test(
        "the inbox and the worker write through the one thread; it stays open until both have let go, in either order",
        arguments: [true, false])
    func sharedUntilLastRelease(inboxFirst: Bool) async throws {
        try await withTestApp(["DATABASE_URL": ""]) { app in
            let path = try #require({ if case .sqlite(let path) = app.services.config.database { path } else { nil } }())
            let writer = SQLiteWriteThread(path: path, busyTimeoutMilliseconds: 5_000)
            let file = SQLiteFileConnection(
                thread: writer, gate: app.services.storage.gate, configuration: app.db.context.configuration, logger: app.logger)
            let inbox = InboxWriter(connection: file) { file.writer }
            let worker = SQLiteFileConnection(
                thread: writer, gate: app.services.storage.gate, configuration: app.db.context.configuration, logger: app.logger)
            #expect(file.writer.executor.loop === writer.loop)
            #expect(worker.writer.executor.loop === writer.loop)

            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let installationID = try installation.requireID()
            let accepted = try await GroupCommitInbox(maxAttempts: 5, database: inbox)
                .accept(.init(notification: try notification("shared"), installationID: installationID, receivedAt: Date()))
            #expect(accepted == .new)
            // The worker's lane reads, on the same connection, what the inbox committed.
            let jobs = try await worker.writer.write(.background) { db in try await Job.query(on: db).count() }
            #expect(jobs == 1)

            if inboxFirst {
                await inbox.close()
                await #expect(throws: InboxDatabaseError.self) {
                    _ = try await inbox.store(
                        [.init(notification: try notification("late"), installationID: installationID, receivedAt: Date())], maxAttempts: 5)
                }
                // The worker still writes: the thread and connection are its as well.
                let claimed = try await worker.writer.transaction(.background) { db in
                    try await JobQueue(db: db).claim(worker: "w", limit: 5, now: Date())
                }
                #expect(claimed.count == 1)
                #expect(!writer.connection.isClosed)
                await worker.shutdown()
            } else {
                await worker.shutdown()
                #expect(!writer.connection.isClosed)
                let again = try await inbox.store(
                    [.init(notification: try notification("after-worker"), installationID: installationID, receivedAt: Date())],
                    maxAttempts: 5)
                #expect(again == [.new])
                await inbox.close()
            }
            #expect(writer.connection.isClosed)
            #expect(throws: SQLiteWriteThreadError.self) { try writer.connection.withSQLite { _ in 0 } }
        }
    }

    @Test("configure makes one for a SQLite file, none for in-memory SQLite (or PostgreSQL)")
    func configured() async throws {
        try await withTestApp(["DATABASE_URL": ""]) { app in
            #expect(app.services.storage.writeThread != nil)
        }
        try await withTestApp { app in
            #expect(app.services.storage.writeThread == nil)
        }
    }
}

import Fluent
import Foundation
import NIOPosix
import OneflowAPI
import SQLiteNIO
import Testing
import Vapor

@testable import App
@testable import SQLiteStorage

/// The inbox's own SQLite connection (a SQLite file: the embedded default of `serve`):
/// rows written through SQLite's C API must be the rows Fluent's models read.
@Suite("SQLite inbox connection")
struct SQLiteInboxTests {
    func notification(_ callbackID: String) throws -> WebhookNotification { try GroupCommitInboxTests.notification(callbackID) }

    /// An app on a SQLite file of its own (migrated by `configure`), and an inbox connection to it.
    func withFileApp(_ body: (Application, String, InboxWriter) async throws -> Void) async throws {
        try await withFile { app, path, file in
            let connection = InboxWriter(connection: file) { file.writer }
            do {
                try await body(app, path, connection)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }

    /// An app on a SQLite file, with a write-thread connection to it that `body` lets go of.
    func withFile(_ body: (Application, String, SQLiteFileConnection) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "hrbridge-inbox-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await withTestApp(["DATABASE_URL": "sqlite://" + path]) { app in
            try await body(
                app, path,
                SQLiteFileConnection(
                    thread: SQLiteWriteThread(path: path, busyTimeoutMilliseconds: 5_000), gate: WriteGate(),
                    configuration: app.db.context.configuration, logger: app.logger))
        }
    }

    @Test("a burst of 100 (50 distinct, each twice): 50 deliveries and 50 jobs that Fluent reads back field for field")
    func burst() async throws {
        try await withFileApp { app, _, connection in
            try await GroupCommitInboxTests.checkBurst(app: app, database: connection)
        }
    }

    @Test("the same callback id for another contract is a conflicting copy with its own job; an exact retry is a duplicate")
    func conflictingCopies() async throws {
        try await withFileApp { app, _, connection in
            try await GroupCommitInboxTests.checkConflictingCopies(app: app, database: connection)
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
            let accepted = try await inbox.accept(
                .init(notification: try notification("after"), installationID: try installation.requireID(), receivedAt: Date()))
            let rows = try await WebhookDelivery.query(on: app.db).count()
            #expect(accepted == .new && rows == 1)
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
                _ = try await inbox.accept(
                    .init(notification: try notification("late"), installationID: try installation.requireID(), receivedAt: Date()))
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
                _ = try await inbox.accept(
                    .init(notification: try notification("wal-\(n)"), installationID: try installation.requireID(), receivedAt: Date()))
                try await Task.sleep(for: .milliseconds(300))
            }
            let copied = try await eventually { await Self.rowsInFile(path, "webhook_deliveries") == 3 }
            #expect(copied)
        }
    }

    @Test("a write outside a transaction (a worker's claim, the sender's) is copied into the database file in the background too")
    func checkpointsSingleStatements() async throws {
        try await withFile { app, path, file in
            // Given: an installation, written through Fluent's own connection
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let before = try await Job.query(on: app.db).count()
            let copied: Bool
            do {
                // When: the write thread runs single statements, each its own commit, and nothing else writes
                for n in 0..<3 {
                    _ = try await file.writer.write(.background) { db in
                        try await JobQueue(db: db).enqueue(kind: "test", payload: ["n": n], maxAttempts: 3, runAt: Date())
                    }
                    try await Task.sleep(for: .milliseconds(300))
                }
                // Then: the background checkpoint copies them into the file, far below SQLite's own threshold
                copied = try await eventually { await Self.rowsInFile(path, "jobs") == before + 3 }
            } catch {
                await file.shutdown()
                throw error
            }
            await file.shutdown()
            #expect(copied)
        }
    }

    /// Rows of `table` in the database file alone: `immutable=1` ignores the write-ahead log.
    @Sendable static func rowsInFile(_ path: String, _ table: String) async -> Int? {
        guard
            let reader = try? await SQLiteConnection.open(
                storage: .file(path: "file:\(path)?immutable=1"), threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton.any())
        else { return nil }
        let count = try? await reader.query("SELECT COUNT(*) AS n FROM \(table)").first?.column("n")?.integer
        try? await reader.close()
        return count
    }
}

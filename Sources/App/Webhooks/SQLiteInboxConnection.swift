import SQLiteStorage
import Synchronization

/// The inbox's writes to the SQLite file, on the process's write thread (`SQLiteWriteThread`).
///
/// Through Fluent, each statement of a batch (BEGIN, two INSERTs, COMMIT) went to SQLite's
/// thread pool and back to an HTTP event loop, and waited there behind the requests being
/// parsed and answered: about a millisecond per statement at 64 connections, 5 of a batch's
/// 9 ms, while the cores were not all busy (bench/RESULTS.md, "ack"). Here the writer task
/// runs on the write thread's event loop and stores a batch in one synchronous call
/// (`SQLiteWriterConnection`): BEGIN IMMEDIATE, a prepared INSERT per row, COMMIT, no hop in between.
/// Blocking that loop is the point: only SQLite writes run on it. The write-ahead log is
/// mostly checkpointed beside it (`WALCheckpointer`). The connection opens at the first
/// write, so commands that never write (`migrate`) do not open it.
final class SQLiteInboxConnection: InboxDatabase {
    private let gate: WriteGate
    private let writer: SQLiteWriteThread
    private let closed = Atomic(false)

    /// On `writer`, shared with the worker inside `serve`.
    init(writer: SQLiteWriteThread, gate: WriteGate) {
        self.gate = gate
        self.writer = writer
        writer.retain()
    }

    /// The write thread's loop while open. After `close()` nil: the thread may be stopped,
    /// and a task sent there would never run and its request never be answered. (`close()`
    /// runs after the server has stopped taking requests, so no writer is started in between.)
    var executor: (any TaskExecutor)? { closed.load(ordering: .acquiring) ? nil : writer.executor }

    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [DeliveryInbox.Stored] {
        guard !closed.load(ordering: .acquiring) else { throw InboxDatabaseError.closed }
        return try await gate.serialize(priority: .ack) {
            try await writer.connection.transaction {
                try await DeliveryInbox(maxAttempts: maxAttempts).store(entries, in: SQLiteFileRowInserts(connection: writer.connection))
            }
        }
    }

    func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await writer.release()
    }
}

import NIOCore
import NIOPosix

/// The inbox's own connection to the SQLite file, used on a thread of its own.
///
/// Through Fluent, each statement of a batch (BEGIN, two INSERTs, COMMIT) went to SQLite's
/// thread pool and back to an HTTP event loop, and waited there behind the requests being
/// parsed and answered: about a millisecond per statement at 64 connections, 5 of a batch's
/// 9 ms, while the cores were not all busy (bench/RESULTS.md, "ack"). Here the writer task
/// runs on an event loop of its own and stores a batch in one synchronous call
/// (`SQLiteWriterConnection`): BEGIN IMMEDIATE, a prepared INSERT per row, COMMIT, no hop in between.
/// Blocking that loop is the point: nothing else runs on it. The write-ahead log is mostly
/// checkpointed beside it (`WALCheckpointer`). Opened at the first
/// notification, so commands that never receive one (`worker`, `migrate`) do not open it.
final class SQLiteInboxConnection: InboxDatabase {
    private let gate: WriteGate
    private let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let loopExecutor: EventLoopTaskExecutor
    private let connection: SQLiteWriterConnection

    init(path: String, busyTimeoutMilliseconds: Int, gate: WriteGate) {
        self.gate = gate
        loopExecutor = EventLoopTaskExecutor(loops.next())
        connection = SQLiteWriterConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, closedError: InboxDatabaseError.closed)
    }

    /// The writer's own loop while open. After `close()` nil: a task sent to the stopped loop
    /// would never run, and its request never be answered. (`close()` runs after the server
    /// has stopped taking requests, so no writer is started in between.)
    var executor: (any TaskExecutor)? { connection.isClosed ? nil : loopExecutor }

    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [Bool] {
        try await gate.serialize(priority: .ack) {
            try connection.transaction { sqlite in try DeliveryInbox(maxAttempts: maxAttempts).store(entries, in: sqlite) }
        }
    }

    func close() async {
        await connection.close()
        try? await loops.shutdownGracefully()
    }
}

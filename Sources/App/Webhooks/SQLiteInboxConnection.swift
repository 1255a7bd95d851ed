import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The inbox's own connection to the SQLite file, used on a thread of its own.
///
/// Through Fluent, each statement of a batch (BEGIN, two INSERTs, COMMIT) went to SQLite's
/// thread pool and back to an HTTP event loop, and waited there behind the requests being
/// parsed and answered: about a millisecond per statement at 64 connections, 5 of a batch's
/// 9 ms, while the cores were not all busy (bench/RESULTS.md, "ack"). Here the writer task
/// runs on an event loop of its own and stores a batch in one synchronous call
/// (`RawSQLite`): BEGIN IMMEDIATE, a prepared INSERT per row, COMMIT, no hop in between.
/// Blocking that loop is the point: nothing else runs on it. The write-ahead log is mostly
/// checkpointed beside it (`WALCheckpointer`). Opened at the first
/// notification, so commands that never receive one (`worker`, `migrate`) do not open it.
final class SQLiteInboxConnection: InboxDatabase {
    private let path: String
    private let busyTimeoutMilliseconds: Int
    private let gate: WriteGate
    private let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let loopExecutor: EventLoopTaskExecutor
    private let checkpointer: WALCheckpointer

    private enum State { case idle, open(RawSQLite), closed }
    /// Held for a whole batch: a batch and `close()` never overlap, whatever thread they run on.
    private let state = Mutex(State.idle)

    init(path: String, busyTimeoutMilliseconds: Int, gate: WriteGate) {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.gate = gate
        loopExecutor = EventLoopTaskExecutor(loops.next())
        checkpointer = WALCheckpointer(path: path)
    }

    /// The writer's own loop while open. After `close()` nil: a task sent to the stopped loop
    /// would never run, and its request never be answered. (`close()` runs after the server
    /// has stopped taking requests, so no writer is started in between.)
    var executor: (any TaskExecutor)? {
        state.withLock { state in
            if case .closed = state { return nil }
            return loopExecutor
        }
    }

    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [Bool] {
        try await gate.serialize(priority: .ack) {
            try state.withLock { state in
                let sqlite: RawSQLite
                switch state {
                case .closed: throw InboxDatabaseError.closed
                case .open(let open): sqlite = open
                case .idle:
                    sqlite = try RawSQLite(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
                    state = .open(sqlite)
                }
                do {
                    // IMMEDIATE: take the write lock now (or wait `busy_timeout` for another
                    // process's writer), not halfway through the batch.
                    try sqlite.execute("BEGIN IMMEDIATE")
                    let created = try DeliveryInbox(maxAttempts: maxAttempts).store(entries, in: sqlite)
                    try sqlite.execute("COMMIT")
                    checkpointer.commitHappened()
                    return created
                } catch {
                    // Nothing of the batch stays; the next batch starts on a fresh connection
                    // rather than on one in an unknown state.
                    try? sqlite.execute("ROLLBACK")
                    sqlite.close()
                    state = .idle
                    throw error
                }
            }
        }
    }

    func close() async {
        state.withLock { state in
            if case .open(let sqlite) = state { sqlite.close() }
            state = .closed
        }
        await checkpointer.close()
        try? await loops.shutdownGracefully()
    }
}

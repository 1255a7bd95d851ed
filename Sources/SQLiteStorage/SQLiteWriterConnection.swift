import Synchronization

/// The process's write connection to the SQLite file (`SQLiteWriteThread`), used through
/// `InlineSQLiteDatabase` (the App's inbox and worker) and by raw inserts: opened at the
/// first statement, closed at shutdown, its commits leaving the write-ahead log to a
/// background checkpoint (`WALCheckpointer`) — a commit that checkpoints itself would hold
/// the write gate meanwhile (bench/RESULTS.md).
public final class SQLiteWriterConnection: Sendable {
    private let path: String
    private let busyTimeoutMilliseconds: Int
    private let checkpointer: WALCheckpointer

    private enum State {
        case idle
        case open(RawSQLite)
        case closed
    }
    /// Held for a whole statement: nothing else uses the connection meanwhile, and `close()`
    /// never overlaps one, whatever thread it runs on. Between the statements of a transaction
    /// its user's `WriteGate` turn keeps other writers out; `close()` comes after the last user
    /// let go (`SQLiteWriteThread.release`), and a statement after it fails as closed.
    private let state = Mutex(State.idle)

    public init(path: String, busyTimeoutMilliseconds: Int) {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        checkpointer = WALCheckpointer(path: path)
    }

    public var isClosed: Bool {
        state.withLock { state in
            if case .closed = state { return true }
            return false
        }
    }

    /// Runs `body` on the connection. Whatever commits here — a transaction's `COMMIT`, or a
    /// statement that changed rows outside a transaction (a worker's claim, the notification
    /// sender's writes) — leaves its log pages to the background checkpoint, not to SQLite's
    /// automatic one, which would copy them on this thread while the writer holds the gate.
    public func withSQLite<T: Sendable>(_ body: (RawSQLite) throws -> T) throws -> T {
        var committed = false
        defer { if committed { checkpointer.commitHappened() } }  // after the lock, also after a throw
        return try state.withLock { state in
            let sqlite = try open(&state)
            let (inTransaction, changes) = (sqlite.inTransaction, sqlite.totalChanges)
            defer { committed = !sqlite.inTransaction && (inTransaction || sqlite.totalChanges != changes) }
            return try body(sqlite)
        }
    }

    /// A transaction whose body runs between calls (`InlineSQLiteDatabase`): `begin`, then
    /// `commit` or `rollback`.
    public func begin() throws { try withSQLite { try $0.execute(Self.begin) } }

    public func commit() throws { try withSQLite { try $0.execute("COMMIT") } }

    /// Undoes the open transaction; if even that fails, the next statement gets a new connection.
    public func rollback() {
        state.withLock { state in
            guard case .open(let sqlite) = state else { return }
            do {
                try sqlite.execute("ROLLBACK")
            } catch {
                sqlite.close()
                state = .idle
            }
        }
    }

    /// Closes the connection (waiting for a running checkpoint); every later use fails.
    public func close() async {
        state.withLock { state in
            if case .open(let sqlite) = state { sqlite.close() }
            state = .closed
        }
        await checkpointer.close()
    }

    /// IMMEDIATE: the write lock now (or `busy_timeout` waiting for another process's
    /// writer), not at the first write halfway through, where SQLite could only fail the
    /// transaction (https://www.sqlite.org/lang_transaction.html).
    private static let begin = "BEGIN IMMEDIATE"

    private func open(_ state: inout State) throws -> RawSQLite {
        switch state {
        case .open(let sqlite): return sqlite
        case .closed: throw SQLiteWriteThreadError.closed
        case .idle:
            // The file, its tables and WAL mode exist: `migrate` or `serve` made them.
            let sqlite = try RawSQLite(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            state = .open(sqlite)
            return sqlite
        }
    }
}

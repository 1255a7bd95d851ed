import Synchronization

/// The SQLite connection behind `InlineSQLiteDatabase`: opened at the first statement,
/// opened afresh after a transaction that could not be rolled back, closed at shutdown.
/// Its commits leave the write-ahead log to a background checkpoint (`WALCheckpointer`), as
/// the inbox's do: a commit that checkpoints itself would hold the write gate meanwhile.
final class InlineSQLiteConnection: Sendable {
    private let path: String
    private let busyTimeoutMilliseconds: Int
    private let checkpointer: WALCheckpointer

    private enum State { case idle, open(RawSQLite), closed }
    private let state = Mutex(State.idle)

    init(path: String, busyTimeoutMilliseconds: Int) {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        checkpointer = WALCheckpointer(path: path)
    }

    func withSQLite<T: Sendable>(_ body: (RawSQLite) throws -> T) throws -> T {
        try state.withLock { state in
            switch state {
            case .open(let sqlite): return try body(sqlite)
            case .closed: throw InlineSQLiteConnectionError.closed
            case .idle:
                // The file, its tables and WAL mode exist: `migrate` or `serve` made them.
                let sqlite = try RawSQLite(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
                state = .open(sqlite)
                return try body(sqlite)
            }
        }
    }

    /// IMMEDIATE: the write lock now (or `busy_timeout` waiting for another process's
    /// writer), not at the first write halfway through, where SQLite could only fail the
    /// transaction (https://www.sqlite.org/lang_transaction.html).
    func begin() throws { try withSQLite { try $0.execute("BEGIN IMMEDIATE") } }

    func commit() throws {
        try withSQLite { try $0.execute("COMMIT") }
        checkpointer.commitHappened()
    }

    /// Undoes the open transaction; if even that fails, the next statement gets a new connection.
    func rollback() {
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

    func close() async {
        state.withLock { state in
            if case .open(let sqlite) = state { sqlite.close() }
            state = .closed
        }
        await checkpointer.close()
    }
}

enum InlineSQLiteConnectionError: Error, CustomStringConvertible {
    case closed
    var description: String { "the worker's write connection is closed (the worker is stopping)" }
}

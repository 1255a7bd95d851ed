import Synchronization

/// The process's write connection to the SQLite file (`SQLiteWriteThread`), used by the
/// inbox (`SQLiteInboxConnection`) and the worker (`InlineSQLiteDatabase`): opened at the
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
    /// Held for a whole statement, or a whole synchronous `transaction`: nothing else uses
    /// the connection meanwhile, and `close()` never overlaps it, whatever thread it runs on.
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

    public func withSQLite<T: Sendable>(_ body: (RawSQLite) throws -> T) throws -> T {
        try state.withLock { state in try body(try open(&state)) }
    }

    /// A transaction whose body awaits between statements, each run through `withSQLite`
    /// (the inbox's group commit): `BEGIN IMMEDIATE`, `body`, `COMMIT`. If anything fails
    /// nothing of it stays, and the next call starts on a fresh connection rather than on one
    /// in an unknown state. The caller lets no other writer in meanwhile (`WriteGate`).
    public func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try begin()
        do {
            let value = try await body()
            try commit()
            return value
        } catch {
            state.withLock { state in
                guard case .open(let sqlite) = state else { return }
                try? sqlite.execute("ROLLBACK")
                sqlite.close()
                state = .idle
            }
            throw error
        }
    }

    /// A transaction whose body runs between calls (`InlineSQLiteDatabase`): `begin`, then
    /// `commit` or `rollback`.
    public func begin() throws { try withSQLite { try $0.execute(Self.begin) } }

    public func commit() throws {
        try withSQLite { try $0.execute("COMMIT") }
        checkpointer.commitHappened()
    }

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

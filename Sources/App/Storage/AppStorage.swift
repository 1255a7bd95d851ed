import FluentKit
import SQLiteStorage

/// What the configured database asks of the writes, decided once at start-up from
/// `database.url`: the one place outside the storage layer that knows which database runs.
struct AppStorage: Sendable {
    /// One write of the process at a time, acknowledgements first (`WriteGate`); used on SQLite only.
    let gate: WriteGate
    /// The SQLite file's write connection and thread, shared by the inbox and the worker;
    /// nil on PostgreSQL and in-memory SQLite, which have no single writer to share.
    let writeThread: SQLiteWriteThread?
    /// SQLite has one write lock per file: its writers take turns at the gate.
    private let hasOneWriter: Bool

    init(_ database: AppConfig.Database, busyTimeoutMilliseconds: Int, gate: WriteGate) {
        self.gate = gate
        switch database {
        case .sqlite(let path):
            writeThread = SQLiteWriteThread(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            hasOneWriter = true
        case .sqliteInMemory:
            writeThread = nil
            hasOneWriter = true
        case .postgres:
            writeThread = nil
            hasOneWriter = false
        }
    }

    /// Writes through Fluent on `db` (the caller's handle, on its event loop).
    func writer(on db: any Database) -> any DatabaseWriter {
        FluentWriter(db: db, gate: hasOneWriter ? gate : nil)
    }
}

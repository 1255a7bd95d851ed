import FluentKit
import Logging
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

    /// A long-lived user's share of the SQLite file's write thread (the inbox, the workers);
    /// nil on PostgreSQL and in-memory SQLite. - Parameter configuration: the application's
    /// database configuration (Fluent's context wants one; no connection is made from it).
    func fileConnection(configuration: any DatabaseConfiguration, logger: Logger) -> SQLiteFileConnection? {
        writeThread.map { SQLiteFileConnection(thread: $0, gate: gate, configuration: configuration, logger: logger) }
    }

    /// A long-lived user's writer on `db`: its share of the SQLite file's write thread when it
    /// has one (`fileConnection`), else Fluent on `db`.
    func writer(on db: any Database, sharing connection: SQLiteFileConnection?) -> any DatabaseWriter {
        connection?.writer ?? writer(on: db)
    }
}

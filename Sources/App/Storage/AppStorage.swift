import FluentKit
import Logging
import SQLKit
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
    /// SQLite's query-planner statistics, refreshed now and then; nothing on PostgreSQL.
    let statistics: PlannerStatistics

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
        statistics = PlannerStatistics(applies: hasOneWriter)
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

    /// After an erasure: on a SQLite file, the write-ahead log is checkpointed and emptied
    /// (`wal_checkpoint(TRUNCATE)`), so the pages that held the erased rows leave the disk
    /// rather than wait there until the log wraps; deleted content in the database file itself
    /// is zeroed as it goes (`secure_delete`, set per connection). A checkpoint that readers
    /// hold back is logged, and the next one finishes it. PostgreSQL keeps dead rows until
    /// its autovacuum reclaims them; nothing reads them. - Parameter writer: the caller's (a
    /// worker's is the SQLite file's write thread, where all its other writes run).
    func releaseErased(with writer: any DatabaseWriter, logger: Logger) async {
        guard writeThread != nil else { return }
        do {
            // In the write gate's turn: it waits for this process's writers, not on their lock.
            let busy = try await writer.write(.background) { db in
                try await db.sql().raw("PRAGMA wal_checkpoint(TRUNCATE)").first()?.decode(column: "busy", as: Int.self)
            }
            if busy == 1 {
                logger.notice("erasure: readers held the write-ahead log; it is emptied at a later checkpoint")
            }
        } catch {
            logger.warning("erasure: could not checkpoint the write-ahead log", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }
}

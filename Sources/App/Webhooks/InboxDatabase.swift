import Fluent
import Logging
import SQLiteStorage
import Synchronization

/// Where the group-commit inbox stores a batch: all of it in one transaction, or none.
protocol InboxDatabase: Sendable {
    /// Stores the batch (`DeliveryInbox`'s rows) and commits; for each entry, what became of it.
    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [DeliveryInbox.Stored]

    /// Closes what the inbox opened itself (on shutdown, after the last request).
    func close() async
}

/// The inbox's writes, through the application's writer: on a SQLite file its share of the
/// write thread (`SQLiteFileConnection`), where each batch runs once it has its turn at the
/// write gate; elsewhere Fluent, on whichever event loop the request is.
///
/// Through Fluent on a SQLite file, each statement of a batch (BEGIN, two INSERTs, COMMIT)
/// went to SQLite's thread pool and back to an HTTP event loop, and waited there behind the
/// requests being parsed and answered: about a millisecond per statement at 64 connections,
/// 5 of a batch's 9 ms (bench/RESULTS.md, "ack"). On the write thread a batch runs from
/// BEGIN IMMEDIATE to COMMIT with no hop in between; blocking that loop is the point, as only
/// SQLite writes run on it. The connection opens at the first write, so commands that never
/// write (`migrate`) do not open it.
final class InboxWriter: InboxDatabase {
    private let connection: SQLiteFileConnection?
    private let writer: @Sendable () -> any DatabaseWriter
    private let closed = Atomic(false)

    /// - Parameters:
    ///   - connection: the SQLite file's, let go of at `close()` (nil elsewhere).
    ///   - writer: the writer of each batch.
    init(connection: SQLiteFileConnection?, writer: @escaping @Sendable () -> any DatabaseWriter) {
        self.connection = connection
        self.writer = writer
    }

    /// After `close()` this throws: the write thread may be stopped, and a task sent there would
    /// never run and its request never be answered. (`close()` runs after the server has stopped
    /// taking requests, so no batch is started in between.)
    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [DeliveryInbox.Stored] {
        guard !closed.load(ordering: .acquiring) else { throw InboxDatabaseError.closed }
        return try await writer().transaction(.ack) { db in
            try await DeliveryInbox(maxAttempts: maxAttempts).store(entries, in: try db.rowInserts())
        }
    }

    func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await connection?.shutdown()
    }
}

enum InboxDatabaseError: Error, CustomStringConvertible {
    case closed

    var description: String {
        switch self {
        case .closed: "the inbox's database connection is closed (the server is shutting down)"
        }
    }
}

extension AppStorage {
    /// The inbox's database (`InboxWriter`).
    /// - Parameter database: the application's database, on the calling request's event loop.
    func inbox(_ database: @escaping @Sendable () -> any Database, logger: Logger) -> any InboxDatabase {
        let connection = fileConnection(configuration: database().context.configuration, logger: logger)
        return InboxWriter(connection: connection) { writer(on: database(), sharing: connection) }
    }
}

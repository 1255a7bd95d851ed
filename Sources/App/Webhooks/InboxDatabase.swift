import Fluent
import SQLKit
import SQLiteStorage

/// Where the group-commit inbox stores a batch: all of it in one transaction, or none.
protocol InboxDatabase: Sendable {
    /// The executor the inbox's writer runs on, when the database has one of its own.
    var executor: (any TaskExecutor)? { get }

    /// Stores the batch (`DeliveryInbox`'s rows) and commits; for each entry, what became of it.
    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [DeliveryInbox.Stored]

    /// Closes what the inbox opened itself (on shutdown, after the last request).
    func close() async
}

/// The application's own database through Fluent: PostgreSQL, and in-memory SQLite (the
/// tests' database, which a second connection could not see).
struct FluentInboxDatabase: InboxDatabase {
    /// The application's writer, on whichever event loop the request is.
    let writer: @Sendable () -> any DatabaseWriter

    var executor: (any TaskExecutor)? { nil }

    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [DeliveryInbox.Stored] {
        try await writer().transaction(.ack) { tx in
            try await DeliveryInbox(maxAttempts: maxAttempts).store(entries, in: SQLRowInserts(sql: try tx.sql()))
        }
    }

    func close() async {}
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
    /// The inbox's database: on a SQLite file the write thread (`SQLiteInboxConnection`);
    /// elsewhere the application's database through Fluent.
    func inbox(_ database: @escaping @Sendable () -> any Database) -> any InboxDatabase {
        if let writeThread { return SQLiteInboxConnection(writer: writeThread, gate: gate) }
        return FluentInboxDatabase(writer: { writer(on: database()) })
    }
}

import Fluent
import SQLKit

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
    let gate: WriteGate
    let database: @Sendable () -> any Database

    var executor: (any TaskExecutor)? { nil }

    func store(_ entries: [DeliveryInbox.Entry], maxAttempts: Int) async throws -> [DeliveryInbox.Stored] {
        let db = database()
        return try await gate.serialize(on: db, priority: .ack) {
            try await db.transaction { tx in
                guard let sql = tx as? any SQLDatabase else { throw InboxDatabaseError.notSQL }
                return try await DeliveryInbox(maxAttempts: maxAttempts).store(entries, in: sql)
            }
        }
    }

    func close() async {}
}

enum InboxDatabaseError: Error, CustomStringConvertible {
    case notSQL
    case closed

    var description: String {
        switch self {
        case .notSQL: "the inbox needs an SQL database"
        case .closed: "the inbox's database connection is closed (the server is shutting down)"
        }
    }
}

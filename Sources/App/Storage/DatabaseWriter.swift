import FluentKit
import SQLiteStorage

/// The one way the application writes (DESIGN.md §6b): a write names its priority and gets
/// a database to write on, one writer at a time where the database has one write lock.
///
/// Chosen once at start-up (`AppStorage`): on PostgreSQL, Fluent's pooled connections with no
/// gate (it locks rows, not the database); on SQLite, Fluent's connection behind the process's
/// `WriteGate`; for the worker on a SQLite file, the process's write thread
/// (`SQLiteFileWriter`). Feature code never asks which it has.
protocol DatabaseWriter: Sendable {
    /// Runs `body`'s statements (each commits on its own) as the process's only writer.
    func write<T: Sendable>(_ priority: WriteGate.Priority, _ body: (any Database) async throws -> T) async throws -> T

    /// Runs `body` as one transaction, as the process's only writer: all of it or none.
    func transaction<T: Sendable>(_ priority: WriteGate.Priority, _ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
}

extension DatabaseWriter {
    /// Saves one model (a single statement), in the background's turn.
    func save(_ model: some Model) async throws {
        try await write(.background) { db in try await model.save(on: db) }
    }

    /// Inserts one new model (a single statement), in the background's turn.
    func create(_ model: some Model) async throws {
        try await write(.background) { db in try await model.create(on: db) }
    }
}

/// Writes through Fluent on `db`: PostgreSQL (`gate` nil), or SQLite behind the process's gate.
struct FluentWriter: DatabaseWriter {
    let db: any Database
    let gate: WriteGate?

    func write<T: Sendable>(_ priority: WriteGate.Priority, _ body: (any Database) async throws -> T) async throws -> T {
        guard let gate else { return try await body(db) }
        return try await gate.serialize(priority: priority) { try await body(db) }
    }

    func transaction<T: Sendable>(_ priority: WriteGate.Priority, _ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        try await write(priority) { db in try await db.transaction(body) }
    }
}

/// Writes on the SQLite file's write thread (`SQLiteWriteThread`), behind the process's gate:
/// each transaction runs start to end on that thread with no hop between statements
/// (`InlineSQLiteDatabase`), and only SQLite writes run there.
///
/// On a SQLite file the worker's write transactions are the one serial part of a drain:
/// while one holds the gate every other write waits. On the worker's event loops each
/// statement of a transaction went to SQLite's thread pool and then queued behind the other
/// work on that loop (contract JSON, HTTP) before the next could start: `BEGIN` alone took
/// 2.6 ms, and the gate was held 74% of the drain (bench/RESULTS.md).
struct SQLiteFileWriter: DatabaseWriter {
    let db: InlineSQLiteDatabase
    let executor: EventLoopTaskExecutor
    let gate: WriteGate

    func write<T: Sendable>(_ priority: WriteGate.Priority, _ body: (any Database) async throws -> T) async throws -> T {
        try await gate.serialize(priority: priority, on: executor) { try await body(db) }
    }

    /// The body runs in place: Fluent's `transaction` would start it as a task of its own.
    func transaction<T: Sendable>(_ priority: WriteGate.Priority, _ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        try await write(priority) { _ in try await db.transaction(body) }
    }
}

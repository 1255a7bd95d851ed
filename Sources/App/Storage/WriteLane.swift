import FluentKit

/// Where a worker's gated writes run (`WriteGate`): a database handle, and the executor its
/// queries complete on.
///
/// On a SQLite file the worker's write transactions are the one serial part of a drain:
/// while one holds the gate every other write waits. Run on the worker's event loops, each
/// statement of a transaction went to SQLite's thread pool and then queued behind the other
/// lanes' work on that loop (contract JSON, HTTP) before the next could start: `BEGIN` alone
/// took 2.6 ms, and the gate was held 74% of the drain (bench/RESULTS.md). A SQLite file
/// therefore writes on the process's write connection and loop, which runs a transaction without a hop
/// (`WorkerSQLiteConnection`); elsewhere the lane is the worker's own database (PostgreSQL
/// has no single writer).
struct WriteLane: Sendable {
    let db: any Database
    /// `nil`: the caller's executor.
    var executor: (any TaskExecutor)? = nil

    /// Runs `body` through `gate` with this lane's database, on this lane's executor.
    func run<T: Sendable>(_ gate: WriteGate, _ body: (any Database) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(executor) {
            try await gate.serialize(on: db) { try await body(db) }
        }
    }

    /// Runs `body` as one transaction through `gate`, on this lane's executor. On the
    /// worker's SQLite connection the body runs in place; Fluent's `transaction` would start
    /// it as a task of its own, elsewhere.
    func transaction<T: Sendable>(_ gate: WriteGate, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await run(gate) { db in
            if let inline = db as? InlineSQLiteDatabase { return try await inline.transaction(body) }
            return try await db.transaction(body)
        }
    }
}

import FluentKit
import FluentSQL
import Logging
import NIOCore
import SQLKit
import SQLiteKit
import SQLiteNIO
import VaporCSQLite

/// A Fluent and SQLKit database over one SQLite connection (`RawSQLite`) that runs each
/// statement at once, on the calling thread: the App's inbox and worker writes on a SQLite
/// file, on the process's `SQLiteWriteThread`.
///
/// Through Fluent's SQLite driver each statement goes to a thread-pool thread and back to the
/// caller's event loop. A batch's write transaction is some fifteen statements, and with both
/// cores busy each round trip took about a millisecond: 23 ms per batch, while every other
/// write of the process waited at the gate, for 75% of a drain (bench/RESULTS.md). Here the
/// transaction is one run of the write thread, where only SQLite writes run. The queries are
/// Fluent's and SQLKit's as everywhere else: serialized with SQLite's dialect, values encoded
/// and decoded by sqlite-kit's coders, models created with `RETURNING` as by Fluent's driver.
///
/// Runs queries only; schema changes are `hrbridge migrate`'s and `serve`'s, on Fluent's
/// driver. One task at a time: its user holds the process's `WriteGate` turn.
public struct InlineSQLiteDatabase: Database, SQLDatabase {
    public let connection: SQLiteWriterConnection
    public let context: DatabaseContext
    public var inTransaction = false

    public init(connection: SQLiteWriterConnection, context: DatabaseContext) {
        self.connection = connection
        self.context = context
    }

    // MARK: SQLKit

    public var dialect: any SQLDialect { SQLiteDialect() }
    public var queryLogLevel: Logger.Level? { nil }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        let values = try binds.map { try encoder.encode($0) }
        let result = try connection.withSQLite { try $0.query(sql, values) }
        for row in result.rows { onRow(InlineSQLiteRow(columns: result.columns, values: row)) }
    }

    // MARK: Fluent

    public func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        var sql = SQLQueryConverter(delegate: InlineSQLiteConverterDelegate()).convert(query)
        // As fluent-sqlite-driver does: a create returns the row's id.
        if case .create = query.action, query.customIDKey != .some(.string("")) {
            sql = SQLKit.SQLList([sql, SQLReturning(.init((query.customIDKey ?? .id).description))], separator: SQLRaw(" "))
        }
        return execute(sql: sql) { onOutput(SQLRowOutput(row: $0)) }
    }

    public func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        eventLoop.makeFailedFuture(InlineSQLiteDatabaseError.schemaChange)
    }

    public func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { eventLoop.makeSucceededVoidFuture() }

    public func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }

    public func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        guard !inTransaction else { return closure(self) }
        do { try connection.begin() } catch { return eventLoop.makeFailedFuture(error) }
        var tx = self
        tx.inTransaction = true
        return closure(tx).flatMapThrowing { value in
            try connection.commit()
            return value
        }.flatMapErrorThrowing { error in
            connection.rollback()
            throw error
        }
    }

    /// A transaction whose body runs right here (Fluent's `transaction` would start it as a
    /// new task): `BEGIN IMMEDIATE`, the body, `COMMIT`; `ROLLBACK` if anything fails.
    public func transaction<T: Sendable>(_ body: (any Database) async throws -> T) async throws -> T {
        guard !inTransaction else { return try await body(self) }
        try connection.begin()
        var tx = self
        tx.inTransaction = true
        do {
            let value = try await body(tx)
            try connection.commit()
            return value
        } catch {
            connection.rollback()
            throw error
        }
    }
}

public enum InlineSQLiteDatabaseError: Error, CustomStringConvertible {
    case schemaChange
    public var description: String { "the worker's write connection runs queries only, not schema changes" }
}

/// A result row, decoded by sqlite-kit's decoder as Fluent's driver decodes its rows.
private struct InlineSQLiteRow: SQLRow {
    let columns: [String]
    let values: [SQLiteData]

    var allColumns: [String] { columns }
    func contains(column: String) -> Bool { columns.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.firstIndex(of: column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let index = columns.firstIndex(of: column) else {
            throw DecodingError.keyNotFound(SQLiteColumnKey(column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        return try SQLiteDataDecoder().decode(D.self, from: values[index])
    }
}

private struct SQLiteColumnKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// SQLite's names for the types Fluent's query converter may cast to (as fluent-sqlite-driver's).
private struct InlineSQLiteConverterDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? {
        switch dataType {
        case .string, .enum: SQLRaw("TEXT")
        case .datetime: SQLRaw("REAL")
        case .int64: SQLRaw("INTEGER")
        default: nil
        }
    }
}

/// So that callers can tell a constraint failure (e.g. a unique index) as with Fluent's driver.
extension RawSQLiteError: DatabaseError {
    /// SQLite's primary result code (the low byte of an extended one).
    private var primary: Int32 { status & 0xFF }
    public var isSyntaxError: Bool { primary == SQLITE_ERROR }
    public var isConnectionClosed: Bool { primary == SQLITE_MISUSE || primary == SQLITE_CANTOPEN }
    public var isConstraintFailure: Bool { primary == SQLITE_CONSTRAINT }
}

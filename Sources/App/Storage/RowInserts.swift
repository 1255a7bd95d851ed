import FluentKit
import Foundation
import SQLKit
import SQLiteStorage

/// Inserts rows inside the caller's transaction: the inbox's statements. One protocol, so the
/// inbox writes its rows one way (`DeliveryInbox.store`); the two implementations differ only
/// in how a batch of rows becomes statements, for speed measured on each (bench/RESULTS.md):
///
/// - through SQLKit (PostgreSQL, in-memory SQLite), many rows per statement: a round trip
///   per row would cost PostgreSQL more than the rows;
/// - on the SQLite file's own connection (`SQLiteFileRowInserts`), one prepared statement per
///   row: its text never changes with the batch's size, so it is prepared once and cached,
///   and each row is a step of it with no hop in between.
protocol RowInserts {
    /// Inserts `rows` (values in the insert's column order, the row's id first), skipping each
    /// one a unique index refuses when the insert says so. - Returns: for each row, whether it went in.
    func insert(_ insert: RowInsert, rows: [[RawSQLite.Value]]) async throws -> [Bool]

    /// Runs one INSERT statement (`?` for each value, in order). - Returns: whether it inserted a row.
    func insert(_ statement: String, _ values: [RawSQLite.Value]) async throws -> Bool
}

extension Database {
    /// How rows are inserted on this database: on the SQLite file's write connection one
    /// prepared statement per row, elsewhere many per statement.
    func rowInserts() throws -> any RowInserts {
        if let inline = self as? InlineSQLiteDatabase { return SQLiteFileRowInserts(connection: inline.connection) }
        return SQLRowInserts(sql: try sql())
    }
}

/// An INSERT into one table's columns, its single-row text made once (it is on the ack path).
struct RowInsert: Sendable {
    let table: String
    let columns: [String]
    /// `ON CONFLICT DO NOTHING`: a row a unique index refuses is skipped, not an error.
    let skippingConflicts: Bool
    /// `INSERT INTO table (columns) VALUES (?, …)`, for one row.
    let singleRow: String

    init(into table: String, columns: [String], skippingConflicts: Bool) {
        self.table = table
        self.columns = columns
        self.skippingConflicts = skippingConflicts
        singleRow =
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
            + (skippingConflicts ? " ON CONFLICT DO NOTHING" : "")
    }
}

/// Many rows per statement, through SQLKit.
struct SQLRowInserts: RowInserts {
    let sql: any SQLDatabase

    func insert(_ statement: RowInsert, rows: [[RawSQLite.Value]]) async throws -> [Bool] {
        guard !rows.isEmpty else { return [] }
        let insert = sql.insert(into: statement.table).columns(statement.columns)
        for row in rows { insert.values(row.map(\.encodable)) }
        guard statement.skippingConflicts else {
            try await insert.run()
            return rows.map { _ in true }
        }
        let inserted = Set(
            try await insert.ignoringConflicts(with: [String]()).returning("id").all().map { try $0.decode(column: "id", as: UUID.self) })
        return rows.map { row in row.first.map { if case .uuid(let id) = $0 { inserted.contains(id) } else { false } } ?? false }
    }

    func insert(_ statement: String, _ values: [RawSQLite.Value]) async throws -> Bool {
        try await sql.raw(SQLQueryString(statement + " RETURNING id", binding: values)).first() != nil
    }
}

extension SQLQueryString {
    /// `statement` with each `?` a bind of the next of `values`, numbered for the dialect by
    /// SQLKit ($1 … on PostgreSQL).
    init(_ statement: String, binding values: [RawSQLite.Value]) {
        let parts = statement.split(separator: "?", omittingEmptySubsequences: false)
        self.init(String(parts[0]))
        for (value, part) in zip(values, parts.dropFirst()) {
            appendInterpolation(bind: value.encodable)
            appendInterpolation(unsafeRaw: String(part))
        }
    }
}

/// One prepared statement per row, on the SQLite file's write connection (inside the open
/// transaction of its `SQLiteFileWriter`).
struct SQLiteFileRowInserts: RowInserts {
    let connection: SQLiteWriterConnection

    func insert(_ statement: RowInsert, rows: [[RawSQLite.Value]]) async throws -> [Bool] {
        guard !rows.isEmpty else { return [] }
        return try connection.withSQLite { sqlite in try rows.map { try sqlite.run(statement.singleRow, $0) > 0 } }
    }

    func insert(_ statement: String, _ values: [RawSQLite.Value]) async throws -> Bool {
        try connection.withSQLite { sqlite in try sqlite.run(statement, values) > 0 }
    }
}

extension RawSQLite.Value {
    /// The same value for SQLKit, which encodes it with the database's own encoder (a real
    /// `uuid` on PostgreSQL).
    fileprivate var encodable: any Encodable & Sendable {
        switch self {
        case .text(let text): text
        case .integer(let number): number
        case .date(let date): date
        case .uuid(let id): id
        }
    }
}

import Foundation
import NIOCore
import SQLiteNIO
// The SQLite library sqlite-nio builds and links (a target of that package, imported here
// through the dependency on it): the same library, version and settings Fluent uses.
import VaporCSQLite

/// A synchronous SQLite connection with prepared statements, for the ack path's inbox
/// (one prepared INSERT per row) and the worker's writes (`InlineSQLiteDatabase`): a batch runs
/// start to end on one thread, with no hop to an event loop between statements. Not shared:
/// its owner serializes every use.
public final class RawSQLite {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    public init(path: String, busyTimeoutMilliseconds: Int) throws {
        // No CREATE: the file and its tables exist (`serve` migrates before it listens).
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        guard status == SQLITE_OK else {
            let error = RawSQLiteError(status: status, handle: handle, doing: "open the database")
            close()
            throw error
        }
        // As on Fluent's connections: foreign keys on, a bounded wait for another writer.
        do {
            try execute("PRAGMA foreign_keys = ON")
            // Deleted rows are zeroed, not left in free space (an erasure's, a purge's).
            try execute("PRAGMA secure_delete = ON")
            try check(sqlite_nio_sqlite3_busy_timeout(handle, Int32(clamping: busyTimeoutMilliseconds)), doing: "set busy_timeout")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    public func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    /// How often SQLite has prepared the cached statements again since each was first
    /// prepared. It does so before every run of a statement whose plan it made for the values
    /// bound at the time (`sqlite3_stmt_status`, SQLITE_STMTSTATUS_REPREPARE): such a
    /// statement is parsed and planned each time, as if it were not cached.
    public var reprepares: Int {
        statements.values.reduce(0) { $0 + Int(sqlite_nio_sqlite3_stmt_status($1, SQLITE_STMTSTATUS_REPREPARE, 0)) }
    }

    /// Rows inserted, updated or deleted on this connection since it opened (`sqlite3_total_changes`).
    public var totalChanges: Int { handle.map { Int(sqlite_nio_sqlite3_total_changes($0)) } ?? 0 }

    /// Whether a transaction is open (`sqlite3_get_autocommit` is 0 between BEGIN and COMMIT).
    public var inTransaction: Bool { handle.map { sqlite_nio_sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Runs a statement without parameters or rows (BEGIN, COMMIT, PRAGMA …).
    public func execute(_ sql: String) throws {
        try run(sql, [])
    }

    /// Runs a prepared (and cached) statement with `values` bound in order; returns the rows
    /// it changed (0 for an INSERT that `ON CONFLICT DO NOTHING` skipped).
    @discardableResult
    public func run(_ sql: String, _ values: [Value]) throws -> Int {
        try withStatement(sql, values.map(\.data)) { statement in
            let status = sqlite_nio_sqlite3_step(statement)
            guard status == SQLITE_DONE || status == SQLITE_ROW else {
                throw RawSQLiteError(status: status, handle: handle, doing: "run a statement")
            }
            return Int(sqlite_nio_sqlite3_changes(handle))
        }
    }

    /// Runs any statement with `binds` (as sqlite-nio binds them) and returns its rows, each
    /// value as sqlite-nio reads it, so SQLKit's and Fluent's decoders read them alike.
    public func query(_ sql: String, _ binds: [SQLiteData]) throws -> (columns: [String], rows: [[SQLiteData]]) {
        try withStatement(sql, binds) { statement in
            let count = sqlite_nio_sqlite3_column_count(statement)
            let columns = (0..<count).map { sqlite_nio_sqlite3_column_name(statement, $0).map { String(cString: $0) } ?? "" }
            var rows: [[SQLiteData]] = []
            while true {
                let status = sqlite_nio_sqlite3_step(statement)
                if status == SQLITE_DONE { break }
                guard status == SQLITE_ROW else { throw RawSQLiteError(status: status, handle: handle, doing: "run a statement") }
                rows.append((0..<count).map { Self.value(of: statement, at: $0) })
            }
            return (columns, rows)
        }
    }

    /// The prepared (and cached) statement with `binds` bound in order, reset after `body`.
    private func withStatement<T>(_ sql: String, _ binds: [SQLiteData], _ body: (OpaquePointer) throws -> T) throws -> T {
        // Statements with lists of values (`IN (…)`) differ in their text: a bounded cache.
        if statements.count >= 256, statements[sql] == nil {
            for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
            statements = [:]
        }
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (index, bind) in binds.enumerated() {
            try check(Self.bind(bind, to: statement, at: Int32(index + 1)), doing: "bind a value")
        }
        return try body(statement)
    }

    private static func bind(_ value: SQLiteData, to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .integer(let number): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case .float(let number): sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .text(let text):
            // SQLITE_TRANSIENT: SQLite copies the bytes before this call returns.
            sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), rawSQLiteTransient, UInt8(SQLITE_UTF8))
        case .blob(let bytes):
            bytes.withUnsafeReadableBytes { sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), rawSQLiteTransient) }
        case .null: sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }

    private static func value(of statement: OpaquePointer, at column: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(SQLiteInt64(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT: return sqlite_nio_sqlite3_column_text(statement, column).map { .text(String(cString: $0)) } ?? .null
        case SQLITE_BLOB:
            let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: length)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        try check(sqlite_nio_sqlite3_prepare_v2(handle, sql, -1, &statement, nil), doing: "prepare a statement")
        guard let statement else { throw RawSQLiteError(status: SQLITE_MISUSE, handle: handle, doing: "prepare an empty statement") }
        statements[sql] = statement
        return statement
    }

    private func check(_ status: Int32, doing what: String) throws {
        guard status == SQLITE_OK else { throw RawSQLiteError(status: status, handle: handle, doing: what) }
    }

    /// A bound value, stored the way Fluent's SQLite encoder stores it (read back by Fluent
    /// models): text, integers, dates as seconds since 1970 (`REAL`), UUIDs as upper-case text.
    public enum Value {
        case text(String)
        case integer(Int)
        case date(Date)
        case uuid(UUID)

        fileprivate var data: SQLiteData {
            switch self {
            case .text(let text): .text(text)
            case .integer(let number): .integer(SQLiteInt64(number))
            case .date(let date): .float(date.timeIntervalSince1970)
            case .uuid(let id): .text(id.uuidString)
            }
        }
    }
}

private let rawSQLiteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// SQLite's result code and message; never the statement's values.
public struct RawSQLiteError: Error, CustomStringConvertible {
    public let status: Int32
    public let message: String
    public let doing: String

    init(status: Int32, handle: OpaquePointer?, doing: String) {
        self.status = status
        self.doing = doing
        message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite_nio_sqlite3_errstr(status))
    }

    public var description: String { "SQLite could not \(doing): \(message) (code \(status))" }
}

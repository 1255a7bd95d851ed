import FluentKit
import SQLKit

/// Where SQLite's and PostgreSQL's SQL differ, said once, in the storage layer: features
/// write one statement and take the differing piece from here.
extension Database {
    /// This database as SQL. Every database we run is; anything else is a wiring error, said
    /// loudly rather than skipped.
    func sql() throws -> any SQLDatabase {
        guard let sql = self as? any SQLDatabase else { throw StorageError.notSQL }
        return sql
    }
}

extension SQLDatabase {
    private var isPostgreSQL: Bool { dialect.name == "postgresql" }

    /// Appended to a claim's inner `SELECT`: PostgreSQL skips rows another transaction holds
    /// (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time, and no row locks.
    var skippingLockedRows: SQLQueryString { isPostgreSQL ? "FOR UPDATE SKIP LOCKED" : "" }

    /// `column` for a `WHERE` term the planner should not use an index for. Without
    /// statistics SQLite may pick a poor index (e.g. `jobs.status`, scanning every queued
    /// job); a unary `+` takes the term out of its choice
    /// (https://www.sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_).
    /// PostgreSQL plans from statistics.
    func notIndexed(_ column: String) -> SQLQueryString { isPostgreSQL ? "\(ident: column)" : "+\(ident: column)" }

    /// A text column compared byte by byte (so code point by code point, for UTF-8), whose
    /// index serves a prefix as a range: SQLite's default; PostgreSQL's "C" collation, where
    /// the database's own (often `en_US`) orders by language rules no range can follow.
    var binaryText: SQLQueryString { isPostgreSQL ? "TEXT COLLATE \"C\"" : "TEXT" }

    /// How many rows an UPDATE or DELETE changed: both databases say with `RETURNING`.
    func changedRows(_ statement: SQLQueryString) async throws -> Int {
        try await raw(statement + " RETURNING id").all().count
    }

    /// The database's size on disk, in bytes: PostgreSQL's for this database; SQLite's pages
    /// in use and free (not its write-ahead log, which checkpoints fold in).
    func sizeInBytes() async throws -> Int {
        let query: SQLQueryString =
            isPostgreSQL
            ? "SELECT pg_database_size(current_database()) AS n"
            : "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()"
        return try await raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}

enum StorageError: Error, CustomStringConvertible {
    case notSQL
    var description: String { "the database is not an SQL database (database.url names SQLite or PostgreSQL)" }
}

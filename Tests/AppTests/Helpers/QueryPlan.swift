import Fluent
import FluentSQL
import SQLKit
import Synchronization

@testable import App

/// How the database would run a statement (`EXPLAIN`; SQLite's `EXPLAIN QUERY PLAN`), as text,
/// for tests that a statement reads through the index meant for it. PostgreSQL is told not to
/// read whole tables: a test's tables are tiny, and the question is which index a statement can use.
enum QueryPlan {
    static func of(_ statement: any SQLExpression, on db: any Database) async throws -> String {
        try await db.transaction { tx in
            let sql = try tx.sql()
            let postgres = sql.dialect.name == "postgresql"
            if postgres { try await sql.raw("SET LOCAL enable_seqscan = off").run() }
            let lines = Mutex<[String]>([])
            try await sql.execute(sql: SQLKit.SQLList([SQLRaw(postgres ? "EXPLAIN" : "EXPLAIN QUERY PLAN"), statement], separator: SQLRaw(" "))) {
                row in
                let text = row.allColumns.compactMap { try? row.decode(column: $0, as: String.self) }
                lines.withLock { $0.append(contentsOf: text) }
            }
            return lines.withLock { $0.joined(separator: "\n") }
        }
    }

    /// A Fluent query's plan, as it would read its models' ids.
    static func of<M: Model>(_ query: QueryBuilder<M>, on db: any Database) async throws -> String {
        try await of(SQLQueryConverter(delegate: PlainTypes()).convert(query.copy().field(\M._$id).query), on: db)
    }

    /// Types as the query converter writes them by default (a read's plan names none).
    private struct PlainTypes: SQLConverterDelegate {
        func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? { nil }
    }
}

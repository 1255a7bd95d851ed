import FluentKit
import Foundation
import SQLKit

/// A model the worker inserts with plain SQLKit, many rows per statement, instead of
/// FluentKit's `create`.
///
/// FluentKit finds a model's fields by reflection (`Fields.properties`: a `Mirror` walk with
/// runtime type lookups) several times for every row it creates — 14% of the worker's CPU in
/// `bench/drain`, all of it inside the batch's write transaction, which on SQLite every other
/// write waits for (bench/RESULTS.md). The columns are listed by hand next to the model's
/// fields; `SQLInsertableTests` checks them against the fields and reads rows written this
/// way back through Fluent.
protocol SQLInsertable: Model {
    /// Every column of the table, in the order of `insertValues`.
    static var insertColumns: [String] { get }
    /// What Fluent's `create` does first: an id if there is none, the timestamps; and
    /// marks the row as existing (the insert is part of the caller's transaction: if it
    /// fails, the caller discards the models).
    func prepareInsert(at now: Date)
    /// The row's values, after `prepareInsert`.
    var insertValues: [any SQLExpression] { get }
}

extension Array where Element: SQLInsertable {
    /// Inserts every row, in as few statements as the database's limit on bound values allows.
    func insert(on db: any Database, now: Date) async throws {
        guard !isEmpty else { return }
        let sql = try db.sql()
        // SQLite takes at most 32,766 bound values per statement, PostgreSQL 65,535.
        let rowsPerStatement = Swift.max(1, 30_000 / Element.insertColumns.count)
        for start in stride(from: 0, to: count, by: rowsPerStatement) {
            let insert = sql.insert(into: Element.schema).columns(Element.insertColumns)
            for row in self[start..<Swift.min(start + rowsPerStatement, count)] {
                row.prepareInsert(at: now)
                insert.values(row.insertValues)
            }
            try await insert.run()
        }
    }
}

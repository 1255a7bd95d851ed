import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// A place in a list ordered by (a time, id): the last row a page showed. Keyset paging — the
/// next page starts right after that row through the list's index — costs the same on the
/// thousandth page as on the first, where an offset scans every row before it; and a row
/// inserted or moved meanwhile neither shifts the pages nor makes one skip a row.
///
/// Its text is opaque to clients: base64url of "<microseconds since 1970>.<id>".
struct PageCursor: Equatable, Sendable {
    var time: Date
    var id: UUID

    init(time: Date, id: UUID) {
        self.time = time
        self.id = id
    }

    /// nil: not a cursor this service made.
    init?(text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard text.count <= 100, let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(time: Date(timeIntervalSince1970: Double(micros) / 1e6), id: id)
    }

    /// Its time in whole microseconds since 1970, as the databases keep it (PostgreSQL) or read it back (SQLite).
    var microseconds: Int64 { Int64((time.timeIntervalSince1970 * 1e6).rounded()) }

    var text: String {
        Data("\(microseconds).\(id.uuidString)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

extension QueryBuilder {
    /// 2001-01-01 in seconds since 1970: Foundation's reference date.
    fileprivate static var referenceDate: Int { 978_307_200 }

    /// Sorts by (`time`, id) — oldest first, or newest with `descending` — and keeps the rows
    /// after `cursor` in that order.
    ///
    /// PostgreSQL keeps times to the microsecond, as the cursor does: the row value
    /// `(time, id) > (cursor)` is exact, and its index serves it. SQLite keeps a time's full
    /// double but sqlite-nio reads it back rounded to the microsecond, so there the cursor's
    /// time stands for every stored time that rounds to it, compared on SQLite's own rounding
    /// and ordered by id: exact too, unless two transactions' times fall in one microsecond.
    @discardableResult
    func keyset(_ time: FieldKey, after cursor: PageCursor?, descending: Bool = false) -> Self {
        let schema = Model.schemaOrAlias
        let timeField = DatabaseQuery.Field.path([time], schema: schema)
        let idField = DatabaseQuery.Field.path([.id], schema: schema)
        if let cursor {
            if (database as? any SQLDatabase)?.dialect.name == "postgresql" {
                let columns = SQLGroupExpression([SQLColumn(time.description, table: schema), SQLColumn("id", table: schema)])
                // The cursor's microseconds, exactly: a bound Date can land a microsecond early.
                let time: SQLQueryString = "(TIMESTAMPTZ 'epoch' + \(bind: cursor.microseconds) * INTERVAL '1 microsecond')"
                let values = SQLGroupExpression([time, SQLBind(cursor.id)])
                filter(.sql(SQLBinaryExpression(columns, descending ? .lessThan : .greaterThan, values)))
            } else {
                // A bound the index serves, a microsecond wide of the cursor (a bound Date is good
                // only to ~0.25 µs at today's epoch, so it cannot draw the line itself), then the
                // exact test on the microsecond SQLite rounds the stored time to.
                filter(timeField, descending ? .lessThan : .greaterThan, .bind(cursor.time.addingTimeInterval(descending ? 0.000_001 : -0.000_001)))
                // sqlite-nio rounds a stored time to the microsecond counted from 2001, not 1970
                // (`round((t - 978307200) * 1e6)`); the same arithmetic here gives the same
                // microsecond bit for bit. Rounded from 1970, a time whose fraction lay near half
                // a microsecond could land on the other one, and a page's last row came again.
                let op = descending ? "<" : ">"
                let micros: SQLQueryString =
                    "CAST(ROUND((\(ident: schema).\(ident: time.description) - \(literal: Self.referenceDate)) * 1000000) AS INTEGER)"
                let cursorMicros = cursor.microseconds - Int64(Self.referenceDate) * 1_000_000
                filter(
                    .sql(
                        embed: """
                            (\(micros) \(unsafeRaw: op) \(bind: cursorMicros)
                            OR (\(micros) = \(bind: cursorMicros) AND \(ident: schema).\(ident: "id") \(unsafeRaw: op) \(bind: cursor.id)))
                            """))
            }
        }
        return sort(timeField, descending ? .descending : .ascending).sort(idField, descending ? .descending : .ascending)
    }
}

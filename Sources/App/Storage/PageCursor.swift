import FluentKit
import Foundation

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

    var text: String {
        let micros = Int64((time.timeIntervalSince1970 * 1e6).rounded())
        return Data("\(micros).\(id.uuidString)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

extension QueryBuilder {
    /// Sorts by (`time`, id) — oldest first, or newest with `descending` — and keeps the rows
    /// after `cursor` in that order.
    ///
    /// Times within a microsecond of the cursor's count as the same time, ordered by id: SQLite
    /// keeps a time's full double but reads it back rounded to microseconds (sqlite-nio), so
    /// the cursor's time is not always the stored one. Rows of one transaction share a time
    /// exactly; two transactions a microsecond apart do not happen.
    @discardableResult
    func keyset(_ time: FieldKey, after cursor: PageCursor?, descending: Bool = false) -> Self {
        let schema = Model.schemaOrAlias
        let timeField = DatabaseQuery.Field.path([time], schema: schema)
        let idField = DatabaseQuery.Field.path([.id], schema: schema)
        if let cursor {
            let tie = 0.000_001
            group(.or) { or in
                or.filter(timeField, descending ? .lessThan : .greaterThan, .bind(cursor.time.addingTimeInterval(descending ? -tie : tie)))
                or.group(.and) { same in
                    same.filter(timeField, .greaterThanOrEqual, .bind(cursor.time.addingTimeInterval(-tie)))
                    same.filter(timeField, .lessThanOrEqual, .bind(cursor.time.addingTimeInterval(tie)))
                    same.filter(idField, descending ? .lessThan : .greaterThan, .bind(cursor.id))
                }
            }
        }
        return sort(timeField, descending ? .descending : .ascending).sort(idField, descending ? .descending : .ascending)
    }
}

import Foundation
import SQLKit

extension SQLDatabase {
    /// The earliest `time` among `table`'s rows in any of `statuses`, each status read as the
    /// first entry of its (status, time) index and nothing else. `status IN (…) ORDER BY time`
    /// leaves the plan to the table's statistics: after `ANALYZE` on a year's database SQLite
    /// sorted a million jobs for it (~100 ms), and with no row of those statuses left it walked
    /// every delivery by time (bench/RESULTS.md, "a year's volume").
    func earliest(_ time: String, in table: String, statuses: [String]) async throws -> Date? {
        var earliest: Date?
        for status in statuses {
            let row = try await raw("SELECT \(ident: time) AS at FROM \(ident: table) WHERE status = \(bind: status) ORDER BY \(ident: time) LIMIT 1")
                .first()
            if let at = try row?.decode(column: "at", as: Date.self) { earliest = min(earliest ?? at, at) }
        }
        return earliest
    }
}

import Fluent
import Foundation
import SQLKit

/// The admin's employee search, by words: each word of the query must start a word of the
/// employee's name, email or employee number ("ann sv" finds Anna Svensson, "anna.sv" her
/// email `anna.svensson@…`), case aside. Those words are kept in `employee_search_terms`,
/// whose index answers a word in a few lookups; `LOWER(name) LIKE '%…%'` read every employee
/// of every installation for each search: a p95 of 97–124 ms at 100,000 employees on SQLite,
/// 113 ms on PostgreSQL (bench/RESULTS.md, "a year's volume").
///
/// Whoever writes an employee's name, email or number writes its terms in the same
/// transaction (`index`); deleting an employee deletes them (a foreign key with cascade).
enum EmployeeSearch {
    static let table = "employee_search_terms"
    /// Longer words are cut: nobody types more, and the index stays narrow.
    static let longestWord = 64
    /// A query's words beyond these are not looked up.
    static let mostWords = 8

    /// The lower-cased runs of letters and digits in `text`, each once, in order; composed
    /// (NFC), as the databases compare bytes: "é" typed as e + accent finds a stored "é".
    static func words(_ text: String) -> [String] {
        var seen = Set<String>()
        return text.precomposedStringWithCanonicalMapping.lowercased().split { !$0.isLetter && !$0.isNumber }.map { String($0.prefix(longestWord)) }
            .filter { seen.insert($0).inserted }
    }

    /// The words an employee is found by.
    static func terms(of employee: Employee) -> [String] {
        words([employee.name, employee.email, employee.employeeNumber].compactMap { $0 }.joined(separator: " "))
    }

    /// Writes the search terms of `employees`, replacing those they had, in the caller's
    /// transaction.
    static func index(_ employees: [Employee], on db: any Database) async throws {
        let ids = employees.compactMap(\.id)
        guard !ids.isEmpty else { return }
        let sql = try db.sql()
        try await sql.delete(from: table).where("employee_id", .in, ids).run()
        let rows: [(term: String, id: UUID?)] = employees.flatMap { employee in terms(of: employee).map { ($0, employee.id) } }
        // Two values a row: far under both databases' limits on bound values per statement.
        for start in stride(from: 0, to: rows.count, by: 1_000) {
            let insert = sql.insert(into: table).columns("term", "employee_id")
            for row in rows[start..<min(start + 1_000, rows.count)] { insert.values([SQLBind(row.term), SQLBind(row.id)]) }
            try await insert.run()
        }
    }

    /// Below this many terms one word alone drives the search: its few employees are read and
    /// sorted. Above it, unless other words narrow it, the list is read in its order (its index)
    /// and each employee tested, which stops early because matches are frequent.
    static let selective = 1_000
    /// Words are counted up to this many terms; those below it are intersected to drive the
    /// search ("anna svensson": ~1,400 and ~1,000 among 100,000 Swedes, a few dozen both), so
    /// two common words do not make the list be read to its end.
    static let countedUpTo = 20_000

    /// Narrows `query` to the employees every word of `text` finds. (`selective`, `countedUpTo`:
    /// for tests, which make every plan find the same employees.)
    static func narrow(
        _ query: QueryBuilder<Employee>, to text: String, on db: any Database, selective: Int = selective, countedUpTo: Int = countedUpTo
    ) async throws {
        let words = Array(words(text).prefix(mostWords))
        guard !words.isEmpty else { return }
        let sql = try db.sql()
        var counts: [(word: String, terms: Int)] = []
        for word in words {
            let range = prefixRange(word)
            let count =
                try await sql.raw(
                    """
                    SELECT COUNT(*) AS n FROM (SELECT 1 FROM \(ident: table) \
                    WHERE term >= \(bind: range.lower) AND term < \(bind: range.upper) LIMIT \(literal: countedUpTo)) AS t
                    """
                ).first()?.decode(column: "n", as: Int.self) ?? 0
            guard count > 0 else {
                query.filter(.sql(unsafeRaw: "1 = 0"))  // a word nobody has: no one, without reading the list
                return
            }
            counts.append((word, count))
        }
        let counted = counts.filter { $0.terms < countedUpTo }
        let drivers = counted.count >= 2 ? counted : counted.filter { $0.terms < selective }
        let employees = SQLQualifiedTable(Employee.schema)
        if !drivers.isEmpty {
            let sets = drivers.map { driver -> SQLQueryString in
                let range = prefixRange(driver.word)
                return "SELECT employee_id FROM \(ident: table) WHERE term >= \(bind: range.lower) AND term < \(bind: range.upper)"
            }
            query.filter(.sql(embed: "\(employees).\(ident: "id") IN (\(sets.joined(separator: " INTERSECT ")))"))
        }
        for (word, _) in counts where !drivers.contains(where: { $0.word == word }) {
            let range = prefixRange(word)
            query.filter(
                .sql(
                    embed: """
                        EXISTS (SELECT 1 FROM \(ident: table) AS s WHERE s.employee_id = \(employees).\(ident: "id") \
                        AND s.term >= \(bind: range.lower) AND s.term < \(bind: range.upper))
                        """))
        }
    }

    /// The terms starting with `word`: `lower ≤ term < upper` in the column's binary order
    /// (UTF-8 bytes order as code points do). `upper` is `word` with its last character's
    /// successor.
    static func prefixRange(_ word: String) -> (lower: String, upper: String) {
        var scalars = Array(word.unicodeScalars)
        // After U+D7FF come the surrogates, which are no characters: the next is U+E000.
        guard let last = scalars.popLast(), let next = Unicode.Scalar(last.value == 0xD7FF ? 0xE000 : last.value + 1) else {
            return (word, word + "\u{10FFFF}")
        }
        scalars.append(next)
        var upper = ""
        upper.unicodeScalars.append(contentsOf: scalars)
        return (word, upper)
    }
}

import Foundation

/// A spreadsheet saved as CSV (RFC 4180): a header row, then rows. Read as spreadsheets write
/// it: a UTF-8 byte-order mark, CRLF or LF, quoted cells with `""` for a quote and line
/// breaks inside, and `;` as the separator when the header has more of them than commas (as
/// Excel writes CSV where the decimal mark is a comma, in Sweden for one).
struct CSVTable: Equatable, Sendable {
    var header: [String]
    var rows: [[String]]

    enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case unclosedQuote(line: Int)
        case blankHeader(column: Int)
        case repeatedHeader(String)

        var description: String {
            switch self {
            case .empty: "The file is empty: it needs a header row and at least one row."
            case .unclosedQuote(let line): "A quoted cell that starts on line \(line) is never closed."
            case .blankHeader(let column): "Column \(column) of the header row has no name."
            case .repeatedHeader(let name): "Two columns are called “\(name)”."
            }
        }
    }

    /// Reads `text`: its first row is the header; rows that are entirely blank are skipped, and
    /// each row is cut or padded to the header's width.
    static func parse(_ text: String) throws(Problem) -> CSVTable {
        var text = Substring(text)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r" }
        let separator: Character = firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        var records: [[String]] = []
        var record: [String] = []
        var cell = ""
        var quoted = false
        var line = 1
        var quoteLine = 1
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            index = text.index(after: index)
            if quoted {
                if c == "\"" {
                    if index < text.endIndex, text[index] == "\"" {
                        cell.append("\"")
                        index = text.index(after: index)
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    cell.append(c)
                }
            } else if c == "\"" && cell.allSatisfy({ $0 == " " }) {
                // `a, "b, c"`: a quoted cell after the space a person typed.
                (quoted, quoteLine, cell) = (true, line, "")
            } else if c == separator {
                record.append(cell)
                cell = ""
            } else if c == "\n" || c == "\r" || c == "\r\n" {
                record.append(cell)
                records.append(record)
                (record, cell) = ([], "")
                line += 1
            } else {
                cell.append(c)
            }
        }
        guard !quoted else { throw .unclosedQuote(line: quoteLine) }
        if !cell.isEmpty || !record.isEmpty {
            record.append(cell)
            records.append(record)
        }
        records.removeAll { $0.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        guard let first = records.first, records.count > 1 else { throw .empty }
        var header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        // Spreadsheets write empty cells to the right of the header when a row goes further.
        while header.last == "" { header.removeLast() }
        if let blank = header.firstIndex(of: "") { throw .blankHeader(column: blank + 1) }
        var seen = Set<String>()
        for name in header where !seen.insert(name.lowercased()).inserted { throw .repeatedHeader(name) }
        let rows = records.dropFirst().map { row in
            (0..<header.count).map { index -> String in
                let cell = index < row.count ? row[index].trimmingCharacters(in: .whitespaces) : ""
                // A formula made text by `csv()` (or by a person, the same way) is read as its text.
                return cell.hasPrefix("'") && formulaLike(String(cell.dropFirst())) ? String(cell.dropFirst()) : cell
            }
        }
        return CSVTable(header: header, rows: Array(rows))
    }

    /// The table as CSV (comma, CRLF, every cell quoted). A cell that a spreadsheet would take
    /// for a formula gets a `'` in front (`parse` takes it off again): a downloaded file opened
    /// in Excel runs nothing an uploaded one carried
    /// (https://owasp.org/www-community/attacks/CSV_Injection).
    func csv() -> String {
        ([header] + rows).map { row in
            row.map { cell in
                let safe = Self.formulaLike(cell) ? "'" + cell : cell
                return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    /// `=`, `@`, a tab or a carriage return first, or `+` or `-` first with more than a phone
    /// number or a number after it (`+46 70 123 45 67` stays as it is).
    static func formulaLike(_ cell: String) -> Bool {
        guard let first = cell.first else { return false }
        if "=@\t\r".contains(first) { return true }
        return "+-".contains(first) && !cell.dropFirst().allSatisfy { $0.isNumber || " ()-.,".contains($0) }
    }
}

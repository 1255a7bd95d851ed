import Testing

@testable import App

@Suite("CSV files")
struct CSVTableTests {
    @Test("read as spreadsheets write them: BOM, CRLF, quotes, doubled quotes, line breaks in a cell, semicolons, blank lines, short rows")
    func reading() throws {
        // Given a file as Excel writes it where the decimal mark is a comma
        let text =
            "\u{FEFF}Name;E-mail;Note\r\n\"Lovelace; Ada\";ada@example.com;\"She said \"\"hi\"\"\r\nand left\"\r\n\r\nGrace;grace@example.com\r\n"

        // When it is read
        let table = try CSVTable.parse(text)

        // Then the header and rows are what the spreadsheet showed
        #expect(table.header == ["Name", "E-mail", "Note"])
        #expect(table.rows == [["Lovelace; Ada", "ada@example.com", "She said \"hi\"\r\nand left"], ["Grace", "grace@example.com", ""]])
        // and commas are the separator when the header has more of them
        #expect(try CSVTable.parse("a,b\n1,\"2,5\"").rows == [["1", "2,5"]])
        // and a quoted cell may follow a space; empty header cells at the end are no columns
        let typed = try CSVTable.parse("name, note,,\nAda, \"Doe, J\",,\n")
        #expect(typed.header == ["name", "note"])
        #expect(typed.rows == [["Ada", "Doe, J"]])
    }

    @Test("a file that is not a table says why")
    func problems() {
        #expect(throws: CSVTable.Problem.empty) { try CSVTable.parse("name,email\n") }
        #expect(throws: CSVTable.Problem.unclosedQuote(line: 2)) { try CSVTable.parse("name\n\"Ada\n") }
        #expect(throws: CSVTable.Problem.blankHeader(column: 2)) { try CSVTable.parse("name,,email\n1,2,3") }
        #expect(throws: CSVTable.Problem.repeatedHeader("Email")) { try CSVTable.parse("email,Email\n1,2") }
    }

    @Test("written back, every cell quoted, and a cell a spreadsheet would run as a formula made text")
    func writing() throws {
        let table = CSVTable(header: ["name", "note"], rows: [["Ada \"A\"", "=HYPERLINK(\"x\")"], ["+46 70 123 45 67", "+cmd|' /C calc'!A0"]])
        #expect(
            table.csv() == "\"name\",\"note\"\r\n\"Ada \"\"A\"\"\",\"'=HYPERLINK(\"\"x\"\")\"\r\n\"+46 70 123 45 67\",\"'+cmd|' /C calc'!A0\"\r\n")
        // and read back, as it was
        #expect(try CSVTable.parse(table.csv()) == table)
    }
}

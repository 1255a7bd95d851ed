import Foundation
import Testing

@testable import OneflowSandbox

@Suite("Sandbox contract PDF")
struct ContractPDFTests {
    @Test("text is a PDF string literal in WinAnsi: brackets and backslashes escaped, Latin-1 kept, dashes plain, the rest '?'")
    func text() {
        var bytes: [UInt8] = []
        ContractPDF.appendText(#"Åsa (HR) \ Café – 2020—21 漢 😀"#, to: &bytes)
        let expected: [UInt8] = [0xC5] + Array(#"sa \(HR\) \\ Caf"#.utf8) + [0xE9] + Array(" - 2020-21 ? ?".utf8)
        #expect(bytes == expected)
    }

    @Test("every entry of the cross-reference table points at its object, with ten-digit offsets")
    func crossReference() throws {
        let pdf = ContractPDF.document(lines: ["Title (draft)", "", "Employee: Zoë Ågren"])
        let bytes = Array(pdf)
        let text = String(decoding: pdf, as: UTF8.self)
        let table = try #require(text.range(of: "xref\n0 6\n0000000000 65535 f \n"))
        let entries = text[table.upperBound...].split(separator: "\n").prefix(5)
        for (index, entry) in entries.enumerated() {
            #expect(entry.count == 19 && entry.hasSuffix(" 00000 n "), "entry \(index + 1): \(entry)")
            let offset = try #require(Int(entry.prefix(10)))
            #expect(Array(bytes[offset..<(offset + 7)]) == Array("\(index + 1) 0 obj".utf8))
        }
        // The content stream's declared length is its length.
        let streamStart = try #require(bytes.firstRange(of: Array("stream\n".utf8))).upperBound
        let streamEnd = try #require(bytes.firstRange(of: Array("\nendstream".utf8))).lowerBound
        #expect(text.contains("<< /Length \(streamEnd - streamStart) >>"))
        #expect(bytes[streamStart..<streamEnd].contains(0xEB))  // ë in WinAnsi, one byte
    }
}

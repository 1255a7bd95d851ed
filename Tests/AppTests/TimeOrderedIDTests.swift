import Foundation
import Testing

@testable import App

@Suite("Time-ordered row ids (UUID version 7)")
struct TimeOrderedIDTests {
    @Test("version 7 and RFC 9562's variant, the time in the first 48 bits")
    func layout() {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let id = UUID.timeOrdered(at: date)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_795_000_000_123)
        // Foundation reads it back as the same UUID, in the text form every table stores.
        #expect(UUID(uuidString: id.uuidString) == id)
        #expect(id.uuidString.hasPrefix("01A1"))
        // Dates outside 1970…10889 are pinned to an end rather than trapping or wrapping around.
        #expect(UUID.timeOrdered(at: Date(timeIntervalSince1970: -5)).uuidString.hasPrefix("00000000-0000-7"))
        #expect(UUID.timeOrdered(at: .distantFuture.addingTimeInterval(1e12)).uuidString.hasPrefix("FFFFFFFF-FFFF-7"))
        #expect(UUID.timeOrdered(at: Date(timeIntervalSince1970: .infinity)).uuidString.hasPrefix("FFFFFFFF-FFFF-7"))
        #expect(UUID.timeOrdered(at: Date(timeIntervalSince1970: .nan)).uuidString.hasPrefix("00000000-0000-7"))
    }

    @Test("later ids sort after earlier ones, as values and as text; ids of the same moment differ")
    func ordered() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let ids = (0..<2_000).map { UUID.timeOrdered(at: start.addingTimeInterval(Double($0) / 500)) }
        let texts = ids.map(\.uuidString)
        #expect(texts == texts.sorted())
        let sameMoment = (0..<10_000).map { _ in UUID.timeOrdered(at: start) }
        #expect(Set(sameMoment).count == sameMoment.count)
        // 74 random bits: the ids of one millisecond do not come in a fixed order.
        #expect(sameMoment.map(\.uuidString) != sameMoment.map(\.uuidString).sorted())
    }

    @Test("the rows that grow with every notification get time-ordered ids")
    func models() {
        let before = UUID.timeOrdered(at: Date().addingTimeInterval(-1)).uuidString
        let ids: [UUID?] = [
            Job(kind: "k", payload: "{}", maxAttempts: 1, runAt: Date()).id,
            Employee(installationID: UUID()).id,
            EmploymentContract(installationID: UUID(), oneflowContractID: 1, status: "draft").id,
            ContractHistory(contractID: UUID(), deliveryID: nil, source: "s", eventTypes: [], fromStatus: nil, toStatus: "x", changes: "{}").id,
            Document(employeeID: UUID(), contractID: nil, filename: "f", contentType: "application/pdf", size: 0, sha256: "", storagePath: "").id,
            DocumentContent(documentID: UUID(), data: Data()).id,
            OutboundNotification(installationID: nil, type: "t", reason: "r", subjectID: nil, orderingKey: "o", body: "{}", now: Date()).id,
        ]
        for id in ids {
            let text = id?.uuidString ?? ""
            #expect(text.dropFirst(14).first == "7", "\(text)")
            #expect(text > before, "\(text)")
        }
    }
}

import Foundation
import OneflowAPI
import Testing

@testable import App

/// A delivery job's payload names its delivery; the worker reads it several times per job.
@Suite("Delivery job payload")
struct DeliveryJobPayloadTests {
    @Test("the stored form reads back, and any other JSON form of it still does")
    func roundTrip() throws {
        let id = UUID()
        let stored = DeliveryJobPayload.json(for: id)
        #expect(stored == #"{"delivery_id":"\#(id.uuidString)"}"#)
        // Byte for byte what JSONEncoder wrote before (and what `replay` still writes through
        // JobQueue): jobs are found by this text.
        #expect(stored == String(decoding: try JSONEncoder().encode(DeliveryJobPayload(delivery_id: id)), as: UTF8.self))
        #expect(try DeliveryJobPayload.deliveryID(in: stored) == id)
        #expect(try DeliveryJobPayload.deliveryID(in: #"{ "delivery_id" : "\#(id.uuidString.lowercased())" }"#) == id)
        #expect(throws: (any Error).self) { try DeliveryJobPayload.deliveryID(in: #"{"delivery_id":"not-a-uuid-not-a-uuid-not-a-uuid-1234"}"#) }
    }

    @Test(
        "the stored notification, written by hand, decodes to what JSONEncoder's form decodes to",
        arguments: [
            "plain-1", #"quote " and back\slash"#, "tab\tnew\nline\u{7}bell\u{1F}", "ä/ö/å ✓ \u{1F600}", "\u{202E}rtl",
            String(repeating: "x", count: 200),
        ])
    func storedPayload(callbackID: String) throws {
        let events = [
            ContractEvent(id: 1, type: .init(rawValue: "contract:sign"), createdTime: Date(timeIntervalSince1970: 1_790_000_000)),
            ContractEvent(id: 2, type: .init(rawValue: #"odd "type" \ "#), createdTime: nil),
        ]
        let notification = WebhookNotification(contract: .init(id: -5), callbackID: callbackID, events: events, signature: "s")
        let byHand = DeliveryInbox.StoredPayload.json(of: notification)
        let byEncoder = try JSONEncoder.oneflow().encode(
            DeliveryInbox.StoredPayload(contract: notification.contract, callback_id: callbackID, events: events))
        let decoder = JSONDecoder.oneflow()
        let a = try decoder.decode(DeliveryInbox.StoredPayload.self, from: Data(byHand.utf8))
        let b = try decoder.decode(DeliveryInbox.StoredPayload.self, from: byEncoder)
        #expect(a.callback_id == callbackID && a.callback_id == b.callback_id && a.contract == b.contract && a.events == b.events)
        // Keys in the same (sorted) order and nothing else in between.
        #expect(
            try JSONSerialization.jsonObject(with: Data(byHand.utf8)) as? NSDictionary == JSONSerialization.jsonObject(with: byEncoder)
                as? NSDictionary)
    }
}

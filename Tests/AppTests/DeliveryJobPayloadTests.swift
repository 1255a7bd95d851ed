import Foundation
import Testing
@testable import App

/// A delivery job's payload names its delivery; the worker reads it several times per job.
@Suite("Delivery job payload")
struct DeliveryJobPayloadTests {
    @Test("the stored form reads back, and any other JSON form of it still does")
    func roundTrip() throws {
        let id = UUID()
        let stored = try DeliveryInbox.JobPayload.json(for: id)
        #expect(stored == #"{"delivery_id":"\#(id.uuidString)"}"#)
        #expect(try DeliveryInbox.JobPayload.deliveryID(in: stored) == id)
        #expect(try DeliveryInbox.JobPayload.deliveryID(in: #"{ "delivery_id" : "\#(id.uuidString.lowercased())" }"#) == id)
        #expect(throws: (any Error).self) { try DeliveryInbox.JobPayload.deliveryID(in: #"{"delivery_id":"not-a-uuid-not-a-uuid-not-a-uuid-1234"}"#) }
    }
}

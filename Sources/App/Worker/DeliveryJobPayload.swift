import Foundation

/// The payload of a `sync_delivery` job: the delivery it syncs. Written by the inbox on the
/// ack path, read by the worker and by `CoveredDeliveries`.
struct DeliveryJobPayload: Codable {
    var delivery_id: UUID

    /// The stored form. Every delivery job's payload is written exactly like this, so a
    /// job can be found by it (`CoveredDeliveries`): what JSONEncoder wrote for this type
    /// before (upper-case UUID, no spaces), without JSONEncoder on the ack path.
    static func json(for deliveryID: UUID) -> String {
        #"{"delivery_id":"\#(deliveryID.uuidString)"}"#
    }

    /// The delivery a stored payload names. The form `json(for:)` writes is read without a
    /// JSONDecoder: the worker reads every claimed job's payload several times.
    static func deliveryID(in json: String) throws -> UUID {
        let prefix = #"{"delivery_id":""#
        let suffix = #""}"#
        if json.utf8.count == prefix.utf8.count + 36 + suffix.utf8.count, json.hasPrefix(prefix), json.hasSuffix(suffix),
            let id = UUID(uuidString: String(json.dropFirst(prefix.count).dropLast(suffix.count)))
        {
            return id
        }
        return try JSONDecoder().decode(DeliveryJobPayload.self, from: Data(json.utf8)).delivery_id
    }
}

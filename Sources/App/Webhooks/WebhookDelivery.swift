import Fluent
import Foundation

/// One webhook notification from Oneflow: the inbox row written before we answer 200.
/// Unique per (installation, `callback_id`, contract): the callback id is identical for every
/// retry of one event webhook (https://developer.oneflow.com/docs/webhook-and-event). A callback
/// id that comes again for another contract is a copy (`callbackCopy`), not a retry.
public final class WebhookDelivery: Model, @unchecked Sendable {
    public static let schema = "webhook_deliveries"

    public enum Status: String, Codable, Sendable, CaseIterable {
        case pending, processed, ignored, failed, dead
    }

    @ID(key: .id) public var id: UUID?
    @Parent(key: "installation_id") public var installation: Installation
    @Field(key: "callback_id") public var callbackID: String
    @Field(key: "oneflow_contract_id") public var oneflowContractID: Int
    /// Stored although the installation already had this callback id for another contract.
    /// The signature covers only the callback id, so one of the two may be a replayed
    /// signature; each is synced from Oneflow's own state, and the admin pages show the conflict.
    @Field(key: "callback_copy") public var callbackCopy: Bool
    /// Comma-separated event types, for listing and filtering.
    @Field(key: "event_types") public var eventTypes: String
    /// The notification body without its signature (signatures are never stored or logged).
    @Field(key: "payload") public var payload: String
    @Enum(key: "status") public var status: Status
    @OptionalField(key: "outcome_reason") public var outcomeReason: String?
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "received_at") public var receivedAt: Date
    @OptionalField(key: "processed_at") public var processedAt: Date?

    public init() {}

    public init(installationID: UUID, callbackID: String, oneflowContractID: Int, eventTypes: [String], payload: String, receivedAt: Date) {
        self.$installation.id = installationID
        self.callbackID = callbackID
        self.oneflowContractID = oneflowContractID
        self.callbackCopy = false
        self.eventTypes = eventTypes.joined(separator: ",")
        self.payload = payload
        self.status = .pending
        self.attempts = 0
        self.receivedAt = receivedAt
    }
}

extension AppMetrics {
    /// Counts what processing made of a delivery.
    func outcome(_ status: WebhookDelivery.Status) { outcome(status.rawValue) }
}

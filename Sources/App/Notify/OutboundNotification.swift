import Fluent
import Foundation

/// One notification to the HR system (the outbox): written in the same transaction as the
/// HR change it announces, delivered in order per `orderingKey` (the employee), retried.
public final class OutboundNotification: Model, @unchecked Sendable {
    public static let schema = "outbound_notifications"

    public enum Status: String, Codable, Sendable, CaseIterable {
        /// `sending`: claimed by a sender until `next_attempt_at` (its lease).
        case pending, sending, sent, failed, dead
    }

    @ID(key: .id) public var id: UUID?
    @OptionalParent(key: "installation_id") public var installation: Installation?
    /// `employee`, `contract` or `document`.
    @Field(key: "type") public var type: String
    /// `created`, `updated` or `deleted`.
    @Field(key: "reason") public var reason: String
    @OptionalField(key: "subject_id") public var subjectID: UUID?
    @Field(key: "ordering_key") public var orderingKey: String
    /// The exact JSON body to POST (signed as is).
    @Field(key: "body") public var body: String
    @Enum(key: "status") public var status: Status
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "next_attempt_at") public var nextAttemptAt: Date
    @OptionalField(key: "last_error") public var lastError: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @OptionalField(key: "sent_at") public var sentAt: Date?

    public init() {}

    public init(installationID: UUID?, type: String, reason: String, subjectID: UUID?, orderingKey: String, body: String, now: Date) {
        self.id = .timeOrdered(at: now)
        self.$installation.id = installationID
        self.type = type
        self.reason = reason
        self.subjectID = subjectID
        self.orderingKey = orderingKey
        self.body = body
        self.status = .pending
        self.attempts = 0
        self.nextAttemptAt = now
    }
}

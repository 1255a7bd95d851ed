import Fluent
import Foundation
import SQLKit

/// A change of an employment contract and where it came from.
public final class ContractHistory: Model, @unchecked Sendable {
    public static let schema = "contract_history"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "contract_id") public var contract: EmploymentContract
    @OptionalParent(key: "delivery_id") public var delivery: WebhookDelivery?
    /// `webhook`, `reconcile` or `replay`.
    @Field(key: "source") public var source: String
    @Field(key: "event_types") public var eventTypes: String
    @OptionalField(key: "from_status") public var fromStatus: String?
    @Field(key: "to_status") public var toStatus: String
    /// JSON object: field → {"from", "to"}.
    @Field(key: "changes") public var changes: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(contractID: UUID, deliveryID: UUID?, source: String, eventTypes: [String], fromStatus: String?, toStatus: String, changes: String) {
        self.id = .timeOrdered()
        self.$contract.id = contractID
        self.$delivery.id = deliveryID
        self.source = source
        self.eventTypes = eventTypes.joined(separator: ",")
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.changes = changes
    }
}

/// The worker's inserts (`SQLInsertable`): the same columns as the fields above.
extension ContractHistory: SQLInsertable {
    static let insertColumns = ["id", "contract_id", "delivery_id", "source", "event_types", "from_status", "to_status", "changes", "created_at"]

    func prepareInsert(at now: Date) {
        if id == nil { id = .timeOrdered(at: now) }
        $id.exists = true
        createdAt = now
    }

    var insertValues: [any SQLExpression] {
        [
            SQLBind(id), SQLBind($contract.id), SQLBind($delivery.id), SQLBind(source), SQLBind(eventTypes), SQLBind(fromStatus),
            SQLBind(toStatus), SQLBind(changes), SQLBind(createdAt),
        ]
    }
}

import Fluent
import Foundation
import SQLKit

/// A Oneflow contract of our template group, as an HR employment contract.
public final class EmploymentContract: Model, @unchecked Sendable {
    public static let schema = "employment_contracts"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "installation_id") public var installation: Installation
    @OptionalParent(key: "employee_id") public var employee: Employee?
    @Field(key: "oneflow_contract_id") public var oneflowContractID: Int
    @OptionalField(key: "template_type_id") public var templateTypeID: Int?
    @OptionalField(key: "name") public var name: String?
    /// draft (a contract request's, not sent yet), pending, overdue, signed, declined, deleted.
    @Field(key: "status") public var status: String
    /// Oneflow's `state_updated_time` of the state we hold: an older one never overwrites it.
    @OptionalField(key: "state_updated_at") public var stateUpdatedAt: Date?
    @OptionalField(key: "lifecycle_state") public var lifecycleState: String?
    @OptionalField(key: "start_date") public var startDate: String?
    @OptionalField(key: "end_date") public var endDate: String?
    @OptionalField(key: "signed_at") public var signedAt: Date?
    /// The contract request it was created for (`ContractRequest`), whose state follows this one's.
    @OptionalField(key: "contract_request_id") public var contractRequestID: UUID?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(installationID: UUID, oneflowContractID: Int, status: String) {
        self.id = .timeOrdered()
        self.$installation.id = installationID
        self.oneflowContractID = oneflowContractID
        self.status = status
    }
}

/// The worker's write transactions read contracts with `SELECT *` (`HRWriteSet.load`).
extension EmploymentContract: RowDecodable {
    var declaredProperties: [any AnyDatabaseProperty] {
        [
            $id, $installation, $employee, $oneflowContractID, $templateTypeID, $name, $status, $stateUpdatedAt, $lifecycleState,
            $startDate, $endDate, $signedAt, $contractRequestID, $createdAt, $updatedAt,
        ]
    }
}

/// The worker's inserts (`SQLInsertable`): the same columns as the fields above.
extension EmploymentContract: SQLInsertable {
    static let insertColumns = [
        "id", "installation_id", "employee_id", "oneflow_contract_id", "template_type_id", "name", "status",
        "state_updated_at", "lifecycle_state", "start_date", "end_date", "signed_at", "contract_request_id", "created_at", "updated_at",
    ]

    func prepareInsert(at now: Date) {
        if id == nil { id = .timeOrdered(at: now) }
        $id.exists = true
        (createdAt, updatedAt) = (now, now)
    }

    var insertValues: [any SQLExpression] {
        [
            SQLBind(id), SQLBind($installation.id), SQLBind($employee.id), SQLBind(oneflowContractID), SQLBind(templateTypeID), SQLBind(name),
            SQLBind(status), SQLBind(stateUpdatedAt), SQLBind(lifecycleState), SQLBind(startDate), SQLBind(endDate), SQLBind(signedAt),
            SQLBind(contractRequestID), SQLBind(createdAt), SQLBind(updatedAt),
        ]
    }
}

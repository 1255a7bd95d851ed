import Fluent
import Foundation
import SQLKit

/// An employee as the HR system sees it, built from the counterparty participant and the
/// mapped data fields of our contracts. Matched by employee number, then email, within an
/// installation.
public final class Employee: Model, @unchecked Sendable {
    public static let schema = "employees"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "installation_id") public var installation: Installation
    @OptionalField(key: "employee_number") public var employeeNumber: String?
    @OptionalField(key: "name") public var name: String?
    @OptionalField(key: "email") public var email: String?
    @OptionalField(key: "phone") public var phone: String?
    /// The participant's identification number (personal number): personal data, sealed.
    @OptionalField(key: "personal_number_sealed") public var personalNumberSealed: String?
    @OptionalField(key: "title") public var title: String?
    /// Mapped HR fields (`HRField` raw value → value), JSON.
    @Field(key: "fields") public var fields: String
    /// Data fields without a mapping (`custom_id` → value), JSON.
    @Field(key: "custom_fields") public var customFields: String
    /// `PENDING` (signed, not started), `ACTIVE`, `INACTIVE`.
    @OptionalField(key: "employment_status") public var employmentStatus: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    @Children(for: \.$employee) public var contracts: [EmploymentContract]

    public init() {}

    public init(installationID: UUID) {
        self.id = .timeOrdered()
        self.$installation.id = installationID
        self.fields = "{}"
        self.customFields = "{}"
    }
}

/// The worker's write transactions read employees with `SELECT *` (`HRWriteSet.load`).
extension Employee: RowDecodable {
    var declaredProperties: [any AnyDatabaseProperty] {
        [
            $id, $installation, $employeeNumber, $name, $email, $phone, $personalNumberSealed, $title, $fields, $customFields,
            $employmentStatus, $createdAt, $updatedAt, $contracts,
        ]
    }
}

/// The worker's inserts (`SQLInsertable`): the same columns as the fields above.
extension Employee: SQLInsertable {
    static let insertColumns = [
        "id", "installation_id", "employee_number", "name", "email", "phone", "personal_number_sealed", "title",
        "fields", "custom_fields", "employment_status", "created_at", "updated_at",
    ]

    func prepareInsert(at now: Date) {
        if id == nil { id = .timeOrdered(at: now) }
        $id.exists = true
        (createdAt, updatedAt) = (now, now)
    }

    var insertValues: [any SQLExpression] {
        [
            SQLBind(id), SQLBind($installation.id), SQLBind(employeeNumber), SQLBind(name), SQLBind(email), SQLBind(phone),
            SQLBind(personalNumberSealed), SQLBind(title), SQLBind(fields), SQLBind(customFields), SQLBind(employmentStatus),
            SQLBind(createdAt), SQLBind(updatedAt),
        ]
    }
}

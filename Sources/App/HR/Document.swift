import Fluent
import Foundation
import SQLKit

/// A stored file of an employee, typically the signed contract PDF. The bytes are a
/// `DocumentContent` row (`storagePath` is then `database`); documents stored by earlier
/// versions live under the data directory at `storagePath`. The row keeps what is needed
/// to serve and verify them.
public final class Document: Model, @unchecked Sendable {
    public static let schema = "documents"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "employee_id") public var employee: Employee
    @OptionalParent(key: "contract_id") public var contract: EmploymentContract?
    @OptionalField(key: "oneflow_file_id") public var oneflowFileID: Int?
    @Field(key: "filename") public var filename: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "size") public var size: Int
    /// Lowercase hex SHA-256 of the bytes.
    @Field(key: "sha256") public var sha256: String
    @Field(key: "storage_path") public var storagePath: String
    static let inDatabase = "database"
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(employeeID: UUID, contractID: UUID?, filename: String, contentType: String, size: Int, sha256: String, storagePath: String) {
        self.id = .timeOrdered()
        self.$employee.id = employeeID
        self.$contract.id = contractID
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.storagePath = storagePath
    }
}

/// The worker's inserts (`SQLInsertable`): the same columns as the fields above.
extension Document: SQLInsertable {
    static let insertColumns = [
        "id", "employee_id", "contract_id", "oneflow_file_id", "filename", "content_type", "size", "sha256",
        "storage_path", "created_at",
    ]

    func prepareInsert(at now: Date) {
        if id == nil { id = .timeOrdered(at: now) }
        $id.exists = true
        createdAt = now
    }

    var insertValues: [any SQLExpression] {
        [
            SQLBind(id), SQLBind($employee.id), SQLBind($contract.id), SQLBind(oneflowFileID), SQLBind(filename), SQLBind(contentType),
            SQLBind(size), SQLBind(sha256), SQLBind(storagePath), SQLBind(createdAt),
        ]
    }
}

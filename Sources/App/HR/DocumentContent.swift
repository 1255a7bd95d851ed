import Fluent
import Foundation
import SQLKit

/// The bytes of a `Document` (BLOB on SQLite, bytea on PostgreSQL).
public final class DocumentContent: Model, @unchecked Sendable {
    public static let schema = "document_contents"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "document_id") public var document: Document
    @Field(key: "data") public var data: Data

    public init() {}

    public init(documentID: UUID, data: Data) {
        self.id = .timeOrdered()
        self.$document.id = documentID
        self.data = data
    }
}

/// The worker's inserts (`SQLInsertable`): the same columns as the fields above.
extension DocumentContent: SQLInsertable {
    static let insertColumns = ["id", "document_id", "data"]

    func prepareInsert(at now: Date) {
        if id == nil { id = .timeOrdered(at: now) }
        $id.exists = true
    }

    var insertValues: [any SQLExpression] { [SQLBind(id), SQLBind($document.id), SQLBind(data)] }
}

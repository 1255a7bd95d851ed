import Fluent
import Foundation

/// The bytes of a `Document` (BLOB on SQLite, bytea on PostgreSQL).
public final class DocumentContent: Model, @unchecked Sendable {
    public static let schema = "document_contents"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "document_id") public var document: Document
    @Field(key: "data") public var data: Data

    public init() {}

    public init(documentID: UUID, data: Data) {
        self.$document.id = documentID
        self.data = data
    }
}

import FluentKit
import SQLKit

/// A row of any SQL database as Fluent reads model fields from it (as fluent-sqlite-driver's
/// rows; joined models' fields are prefixed with their schema): the worker's inline SQLite
/// database (`InlineSQLiteDatabase`) and models decoded by hand (`Job.decode`).
public struct SQLRowOutput: DatabaseOutput {
    public let row: any SQLRow
    public var prefix: String? = nil

    public init(row: any SQLRow, prefix: String? = nil) {
        self.row = row
        self.prefix = prefix
    }

    public var description: String { "\(row.allColumns)" }
    private func column(_ key: FieldKey) -> String { (prefix.map { FieldKey.prefix(.prefix(.string($0), "_"), key) } ?? key).description }
    public func schema(_ schema: String) -> any DatabaseOutput { SQLRowOutput(row: row, prefix: schema) }
    public func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    public func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    public func decode<T: Decodable>(_ key: FieldKey, as: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}

import FluentKit
import SQLKit

/// A row of any SQL database as Fluent reads model fields from it (as fluent-sqlite-driver's
/// rows; joined models' fields are prefixed with their schema): the worker's inline SQLite
/// database (`InlineSQLiteDatabase`) and models decoded by hand (`Job.decode`).
struct SQLRowOutput: DatabaseOutput {
    let row: any SQLRow
    var prefix: String? = nil

    var description: String { "\(row.allColumns)" }
    private func column(_ key: FieldKey) -> String { (prefix.map { FieldKey.prefix(.prefix(.string($0), "_"), key) } ?? key).description }
    func schema(_ schema: String) -> any DatabaseOutput { SQLRowOutput(row: row, prefix: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}

import FluentKit
import SQLKit
import SQLiteStorage

/// A model read from a plain SQL row field by field, without FluentSQL's reflection.
///
/// For every query FluentSQL finds a model's fields by reflection (`Mirror`, demangling each
/// field's type) — to build its select list, to learn whether the model is soft-deleted, and
/// again for each row it decodes — and writes every column out as an escaped, aliased
/// identifier. Inside the worker's write transactions, with SQLite's write lock held and
/// acknowledgements waiting for it, that was 18–20% of the write thread's time, a third of
/// its Swift (bench/RESULTS.md, "2026-12-06 (day)"). The reads there use `SELECT *` and this.
protocol RowDecodable: Model {
    /// Every property, in declaration order. A new field must be added here: a test compares
    /// this list with Fluent's reflection (`properties`).
    var declaredProperties: [any AnyDatabaseProperty] { get }
}

extension RowDecodable {
    /// A model from a row of its table (`SELECT *`, or a claim's `RETURNING *`), as FluentSQL's
    /// `decode(fluentModel:)` makes it: the same fields, read the same way, and known to exist.
    static func decode(_ row: any SQLRow) throws -> Self {
        let model = Self()
        let output = SQLRowOutput(row: row)
        for property in model.declaredProperties { try property.output(from: output) }
        return model
    }
}

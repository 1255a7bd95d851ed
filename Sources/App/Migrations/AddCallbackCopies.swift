import Fluent
import SQLKit

/// A `callback_id` may come again for another contract: stored as a copy, not dropped.
///
/// Oneflow signs only the callback id (`sha1(callback_id + sign_key)`), so a signature seen
/// once signs any body with that callback id. Unique (installation, callback_id) let such a
/// body with a genuine callback id and another contract id suppress that contract's real
/// notification (a plain duplicate); now the row is kept as `callback_copy` and synced.
/// - `webhook_deliveries_callback`: one non-copy row per (installation, callback_id), as before;
/// - `webhook_deliveries_callback_contract`: one row per (installation, contract, callback_id),
///   so a retry of either notification is still a duplicate. It leads with (installation,
///   contract) and so replaces `webhook_deliveries_contract`: an acknowledgement's insert keeps
///   the four indexes it had (each one more is measurable at 64 connections, bench/RESULTS.md).
/// SQLite cannot drop a table's UNIQUE constraint: the table is rebuilt
/// (https://www.sqlite.org/lang_altertable.html#otheralter), with foreign keys off so that
/// dropping the old table does not null `contract_history.delivery_id`.
/// https://developer.oneflow.com/docs/webhook-and-event
struct AddCallbackCopies: AsyncMigration {
    static let table = "webhook_deliveries"

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            try await Self.rebuildOnSQLite(database, copies: true)
            return
        }
        try await database.transaction { tx in
            try await tx.schema(Self.table).field("callback_copy", .bool, .required, .sql(.default(false))).update()
            try await tx.schema(Self.table).deleteUnique(on: "installation_id", "callback_id").update()
            try await Self.createIndexes(on: tx as! any SQLDatabase)
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            try await Self.rebuildOnSQLite(database, copies: false)
            return
        }
        try await database.transaction { tx in
            let sql = tx as! any SQLDatabase
            // The old schema has no room for them.
            try await sql.delete(from: Self.table).where("callback_copy", .equal, true).run()
            try await sql.drop(index: "webhook_deliveries_callback_contract").run()
            try await sql.drop(index: "webhook_deliveries_callback").run()
            try await tx.schema(Self.table).deleteField("callback_copy").unique(on: "installation_id", "callback_id").update()
            try await IndexHelper.create("webhook_deliveries_contract", on: Self.table, columns: ["installation_id", "oneflow_contract_id"], in: tx)
        }
    }

    private static func createIndexes(on sql: any SQLDatabase) async throws {
        try await sql.raw(
            "CREATE UNIQUE INDEX webhook_deliveries_callback ON webhook_deliveries (installation_id, callback_id) WHERE NOT callback_copy"
        ).run()
        try await sql.raw(
            "CREATE UNIQUE INDEX webhook_deliveries_callback_contract ON webhook_deliveries (installation_id, oneflow_contract_id, callback_id)"
        ).run()
        try await sql.raw("DROP INDEX IF EXISTS webhook_deliveries_contract").run()
    }

    /// The table as `CreateWebhookDeliveries` made it, with `callback_copy` and the two
    /// indexes (`copies`) or without them and with the old unique constraint.
    private static func rebuildOnSQLite(_ database: any Database, copies: Bool) async throws {
        // PRAGMA foreign_keys is per connection and ignored inside a transaction: one connection, before BEGIN.
        try await database.withConnection { db in
            let sql = db as! any SQLDatabase
            try await sql.raw("PRAGMA foreign_keys = OFF").run()
            do {
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    try await rebuild(db, sql, copies: copies)
                    try await sql.raw("COMMIT").run()
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            } catch {
                try? await sql.raw("PRAGMA foreign_keys = ON").run()
                throw error
            }
            try await sql.raw("PRAGMA foreign_keys = ON").run()
        }
    }

    private static func rebuild(_ db: any Database, _ sql: any SQLDatabase, copies: Bool) async throws {
        let rebuilt = "webhook_deliveries_rebuilt"
        var schema = db.schema(rebuilt)
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .cascade))
            .field("callback_id", .string, .required)
            .field("oneflow_contract_id", .int64, .required)
            .field("event_types", .string, .required)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("outcome_reason", .string)
            .field("attempts", .int, .required)
            .field("received_at", .datetime, .required)
            .field("processed_at", .datetime)
        schema = copies ? schema.field("callback_copy", .bool, .required, .sql(.default(false))) : schema.unique(on: "installation_id", "callback_id")
        try await schema.create()
        let columns = [
            "id", "installation_id", "callback_id", "oneflow_contract_id", "event_types", "payload", "status", "outcome_reason",
            "attempts", "received_at", "processed_at",
        ].joined(separator: ", ")
        // Reverting: copies have no place in the old schema.
        let rows = copies ? "" : " WHERE NOT callback_copy"
        try await sql.raw(
            "INSERT INTO \(unsafeRaw: rebuilt) (\(unsafeRaw: columns)) SELECT \(unsafeRaw: columns) FROM \(unsafeRaw: table)\(unsafeRaw: rows)"
        ).run()
        try await sql.raw("DROP TABLE \(unsafeRaw: table)").run()
        try await sql.raw("ALTER TABLE \(unsafeRaw: rebuilt) RENAME TO \(unsafeRaw: table)").run()
        // Indexes go with the dropped table (CreateWebhookDeliveries).
        try await IndexHelper.create("webhook_deliveries_status_received", on: table, columns: ["status", "received_at"], in: db)
        if copies {
            try await createIndexes(on: sql)
        } else {
            try await IndexHelper.create("webhook_deliveries_contract", on: table, columns: ["installation_id", "oneflow_contract_id"], in: db)
        }
        // Every reference still holds (https://www.sqlite.org/pragma.html#pragma_foreign_key_check).
        guard try await sql.raw("PRAGMA foreign_key_check").all().isEmpty else { throw MigrationError.brokenForeignKeys }
    }

    enum MigrationError: Error, CustomStringConvertible {
        case brokenForeignKeys
        var description: String { "rebuilding webhook_deliveries left a foreign key that points nowhere; nothing was changed" }
    }
}

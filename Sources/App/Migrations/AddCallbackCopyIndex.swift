import Fluent
import SQLKit

/// The deliveries stored as copies (`AddCallbackCopies`), by (installation, callback id): the
/// activity page finds a page's conflicts from them (`CallbackConflicts`). Partial, so it holds
/// only the rare copies and an acknowledgement of an ordinary delivery writes nothing to it.
/// Both databases take a partial index in this form.
struct AddCallbackCopyIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().raw(
            "CREATE INDEX webhook_deliveries_copies ON webhook_deliveries (installation_id, callback_id) WHERE callback_copy"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: SQLIdentifier("webhook_deliveries_copies")).run()
    }
}

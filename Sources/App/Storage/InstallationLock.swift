import Fluent
import Foundation
import SQLKit

/// Serialises HR writes per installation: the first statement of the transaction is a
/// no-op UPDATE of the installation's row. PostgreSQL holds that row lock until commit;
/// SQLite takes its write lock before any read, so the reads that follow see the latest
/// commit. Without it two workers could both "not find" an employee and create it twice.
enum InstallationLock {
    static func acquire(_ installationID: UUID, on db: any Database) async throws {
        try await db.sql().raw("UPDATE installations SET account_name = account_name WHERE id = \(bind: installationID)").run()
    }
}

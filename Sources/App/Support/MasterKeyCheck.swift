import Fluent
import SQLKit
import Vapor

/// A process whose master key is not the one the database's secrets are sealed with stops at
/// start-up, naming `security.master_key`. Before, it started, reported healthy and answered
/// every webhook 503: no installation's sign key opened (`SecretBox.Failure`).
///
/// The database keeps a value sealed with its key (`settings.master_key_check`). The first
/// process to start seals it (insert-if-absent, so two starting at once agree); every later
/// one must open it with `security.master_key` or one of `security.previous_master_keys`,
/// and re-seals it with the current key after a master-key rotation.
public enum MasterKeyCheck {
    static let name = "master_key_check"
    static let plaintext = "hrbridge master key check"

    /// Run by `hrbridge` once the schema is there (SQLite: after `configure`; PostgreSQL:
    /// after `SchemaCheck`); tests call it directly.
    public static func verify(_ app: Application) async throws {
        try await verify(app.db, box: app.services.secretBox, logger: app.logger)
    }

    static func verify(_ db: any Database, box: SecretBox, logger: Logger) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var sealed = try await stored(sql)
        if sealed == nil {
            // A database from before this check: its secrets were sealed with some key all the
            // same, and a stored token says which. The check is sealed only if that one opens.
            if let token = try await Installation.query(on: db).filter(\.$tokenSealed != nil).first()?.tokenSealed {
                try open(token, with: box)
            }
            try await sql.insert(into: "settings").columns("name", "value")
                .values(SQLBind(name), SQLBind(try box.seal(plaintext)))
                .ignoringConflicts(with: "name").run()
            sealed = try await stored(sql)
        }
        guard let sealed else { return }
        try open(sealed, with: box)
        if box.needsResealing(sealed) {
            // Conditional on the old value: of two processes doing this at once, one writes.
            try await sql.update("settings").set("value", to: SQLBind(try box.seal(plaintext)))
                .where("name", .equal, SQLBind(name)).where("value", .equal, SQLBind(sealed)).run()
            logger.notice("security.master_key: the key check is now sealed with the current key",
                          metadata: ["key_id": "\(box.currentKeyID)", "was": "\(SecretBox.keyID(ofSealed: sealed) ?? "?")"])
        }
    }

    private static func stored(_ sql: any SQLDatabase) async throws -> String? {
        try await sql.select().column("value").from("settings").where("name", .equal, SQLBind(name)).first()?
            .decode(column: "value", as: String.self)
    }

    /// Opens `sealed`, or throws the one line an operator reads: key ids (hashes), never a key.
    private static func open(_ sealed: String, with box: SecretBox) throws {
        do {
            _ = try box.open(sealed)
        } catch {
            let configured = box.keyIDs.count == 1 ? "key id \(box.currentKeyID)"
                : "key ids \(box.keyIDs.joined(separator: ", ")) (current and previous)"
            throw ConfigError(key: "security.master_key", "differs from the key this database's secrets are sealed with "
                + "(the database's is key id \(SecretBox.keyID(ofSealed: sealed) ?? "unreadable"), this process has \(configured)): "
                + "start every process with the same security.master_key; a key rotated out goes in security.previous_master_keys")
        }
    }
}

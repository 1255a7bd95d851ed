import Fluent
import SQLKit
import Vapor

/// A process whose master key is not the one the database's secrets are sealed with stops at
/// start-up, naming `security.master_key`. Before, it started, reported healthy and answered
/// every webhook 503: no installation's sign key opened (`SecretBox.Failure`).
///
/// The database keeps a value sealed with its key (`settings.master_key_check`). The first
/// process to start seals it (insert-if-absent, so two starting at once agree); every later
/// one must open it with `security.master_key` or one of `security.previous_master_keys`.
/// It is not re-sealed after a master-key rotation: the stored tokens, sign keys and personal
/// numbers are not either, so the key that sealed them must stay configured — and a process
/// started without it is stopped here, not at its first webhook.
public enum MasterKeyCheck {
    static let name = "master_key_check"
    static let plaintext = "hrbridge master key check"

    static func verify(_ db: any Database, box: SecretBox, logger: Logger) async throws {
        let sql = try db.sql()
        var sealed = try await stored(sql)
        if sealed == nil {
            // A database from before this check: its secrets were sealed with some key all the
            // same, and any stored one says which. The check is sealed only if that one opens.
            if let earlier = try await anySealedValue(sql) { try open(earlier, with: box) }
            try await sql.insert(into: "settings").columns("name", "value")
                .values(SQLBind(name), SQLBind(try box.seal(plaintext)))
                .ignoringConflicts(with: "name").run()
            sealed = try await stored(sql)
        }
        guard let sealed else { return }
        try open(sealed, with: box)
    }

    /// A token, sign key or personal number sealed before the check existed.
    /// By table and column, not by model: this check runs before any feature's code.
    private static func anySealedValue(_ sql: any SQLDatabase) async throws -> String? {
        for (table, column) in [("installations", "token_sealed"), ("installations", "sign_key_sealed"), ("employees", "personal_number_sealed")] {
            let row = try await sql.select().column(SQLIdentifier(column)).from(table).where(SQLIdentifier(column), .isNot, SQLLiteral.null)
                .limit(1).first()
            if let sealed = try row?.decode(column: column, as: String?.self) { return sealed }
        }
        return nil
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
            let configured =
                box.keyIDs.count == 1
                ? "key id \(box.currentKeyID)"
                : "key ids \(box.keyIDs.joined(separator: ", ")) (current and previous)"
            throw ConfigError(
                key: "security.master_key",
                "differs from the key this database's secrets are sealed with "
                    + "(the database's is key id \(SecretBox.keyID(ofSealed: sealed) ?? "unreadable"), this process has \(configured)): "
                    + "start every process with the same security.master_key; a key rotated out goes in security.previous_master_keys")
        }
    }
}

import Fluent
import Foundation
import Leaf
import SQLKit
import Vapor

/// One choice of an admin page's `<select>`.
struct AdminOption: Encodable {
    var value: String
    var label: String
    var selected: Bool
}

/// The "Installation" filter of the admin lists (employees, webhook activity, audit trail):
/// the one chosen with `?installation=`, the select's options, each installation's name.
struct InstallationFilter {
    let selected: UUID?
    /// Every installation's id and account name, by name.
    let installations: [(id: UUID, name: String)]

    /// Reads ids and names as plain rows: a Fluent model per installation (each built by
    /// reflecting on its two dozen properties) made a list of 500 cost ~25 ms of every page
    /// (bench/RESULTS.md, "a year's volume").
    static func read(_ req: Request) async throws -> InstallationFilter {
        let rows = try await req.db.sql().select().columns("id", "account_name").from(Installation.schema).orderBy("account_name").all()
        return InstallationFilter(
            selected: req.query[String.self, at: "installation"].flatMap(UUID.init(uuidString:)),
            installations: try rows.map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "account_name", as: String.self)) })
    }

    /// The select's `<option>`s as HTML, escaped here: Leaf's loop over 500 took several
    /// milliseconds more, so the template inserts this as it is (`#unsafeHTML`).
    var options: String {
        installations.map { i in
            "<option value=\"\(i.id.uuidString)\"\(i.id == selected ? " selected" : "")>\(i.name.htmlEscaped())</option>"
        }.joined()
    }

    /// Installation id → the account's name.
    var names: [UUID: String] {
        Dictionary(installations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }
}

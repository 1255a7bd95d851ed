import Fluent
import Foundation
import Leaf
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
    let installations: [Installation]

    static func read(_ req: Request) async throws -> InstallationFilter {
        InstallationFilter(
            selected: req.query[String.self, at: "installation"].flatMap(UUID.init(uuidString:)),
            // Only what the filter shows: an installation's other columns (its sealed token and
            // keys, settings) are not decoded for a list of hundreds.
            installations: try await Installation.query(on: req.db).field(\.$id).field(\.$accountName).sort(\.$accountName).all())
    }

    /// The select's `<option>`s as HTML, escaped here. A page shows every installation; Leaf's
    /// loop took ~30 ms over 500 of them, more than the rest of the page (bench/RESULTS.md,
    /// "a year's volume"), so the template inserts this as it is (`#unsafeHTML`).
    var options: String {
        installations.map { i in
            let id = i.id?.uuidString ?? ""
            return "<option value=\"\(id)\"\(i.id == selected ? " selected" : "")>\(i.accountName.htmlEscaped())</option>"
        }.joined()
    }

    /// Installation id → the account's name.
    var names: [UUID: String] {
        Dictionary(installations.compactMap { i in i.id.map { ($0, i.accountName) } }, uniquingKeysWith: { first, _ in first })
    }
}

import Fluent
import Foundation
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
            installations: try await Installation.query(on: req.db).sort(\.$accountName).all())
    }

    var options: [AdminOption] {
        installations.map { .init(value: $0.id?.uuidString ?? "", label: $0.accountName, selected: $0.id == selected) }
    }

    /// Installation id → the account's name.
    var names: [UUID: String] {
        Dictionary(installations.compactMap { i in i.id.map { ($0, i.accountName) } }, uniquingKeysWith: { first, _ in first })
    }
}

import Fluent
import Foundation
import SQLKit

/// An uploaded table and where each of its columns goes in a contract request: the signer's
/// name, email, phone, personal number or title, an existing employee's id, or an HR field our
/// template group fills; or nowhere. Turned into the body `POST /api/v1/contract-batches`
/// takes, so an upload is checked and sent exactly as an API batch is.
struct BatchUpload {
    /// A place a column can go: `value` as the form posts it.
    struct Target: Equatable, Sendable {
        var value: String
        var label: String
    }

    let table: CSVTable
    /// Per column (by index), a `Target.value`; "" for none.
    let columns: [String]

    static let person: [Target] = [
        .init(value: "person.name", label: "Name"), .init(value: "person.email", label: "Email"),
        .init(value: "person.phone", label: "Phone (+46…)"), .init(value: "person.personal_number", label: "Personal number"),
        .init(value: "person.title", label: "Title"), .init(value: "employee_id", label: "Employee id (an existing employee)"),
    ]

    /// Where columns can go for this installation: the person's fields, then each HR field a
    /// data field of its group fills (`SendingCatalog.fillable`).
    static func targets(_ catalog: SendingCatalog) -> [Target] {
        targets(catalog.fillable.map(\.field))
    }

    /// The person's fields, then each mapped field of `fields`.
    static func targets(_ fields: [FieldSet.Field]) -> [Target] {
        person + fields.compactMap { field in field.mapsTo.map { Target(value: "fields.\($0)", label: field.name) } }
    }

    /// A column's header as compared with known names and the remembered mapping: lower case,
    /// without spaces, `_`, `-` or `.`.
    static func key(_ header: String) -> String {
        header.lowercased().filter { !" _-.".contains($0) }
    }

    /// Each column's target: the one remembered for its header, else the one its header names
    /// (the target's value or label, or a common name such as "e-mail" or "personnummer"),
    /// else none; a column left out last time stays out. A target goes to one column at most.
    static func guess(_ header: [String], targets: [Target], remembered: [String: String]) -> [String] {
        let synonyms: [String: String] = [
            "fullname": "person.name", "namn": "person.name", "employee": "person.name", "mail": "person.email", "epost": "person.email",
            "mobile": "person.phone", "mobilephone": "person.phone", "telefon": "person.phone", "personnummer": "person.personal_number",
            "ssn": "person.personal_number", "employeeid": "employee_id",
        ]
        var taken = Set<String>()
        return header.map { name in
            let k = key(name)
            // Left out last time: left out again.
            if remembered[k] == "" { return "" }
            let candidates =
                [remembered[k], synonyms[k]]
                + targets.map { t in
                    [key(t.value), key(String(t.value.split(separator: ".").last ?? "")), key(t.label)].contains(k) ? t.value : nil
                }
            guard let found = candidates.compactMap({ $0 }).first(where: { v in targets.contains { $0.value == v } && !taken.contains(v) }) else {
                return ""
            }
            taken.insert(found)
            return found
        }
    }

    /// Columns mapped to the same target twice, by the target's value.
    var repeatedTargets: [String] {
        let used = columns.filter { !$0.isEmpty }
        return Array(Set(used.filter { v in used.filter { $0 == v }.count > 1 })).sorted()
    }

    /// The batch: a row per table row, each cell where its column goes (empty cells nowhere),
    /// `defaults` under every row.
    func input(installationID: UUID, label: String?, defaults: ContractRequestInput) -> ContractBatchInput {
        let requests = table.rows.map { row in
            var request = ContractRequestInput()
            for (index, target) in columns.enumerated() where index < row.count && !target.isEmpty && !row[index].isEmpty {
                Self.put(row[index], at: target, in: &request)
            }
            return request
        }
        return ContractBatchInput(installation_id: installationID, label: label, defaults: defaults, requests: requests)
    }

    private static let noEmployee = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    private static func put(_ value: String, at target: String, in request: inout ContractRequestInput) {
        var person = request.person ?? .init()
        switch target {
        case "person.name": person.name = value
        case "person.email": person.email = value
        case "person.phone": person.phone = value
        case "person.personal_number": person.personal_number = value
        case "person.title": person.title = value
        case "employee_id":
            // Not an id at all: an id no employee has, so the row is refused as naming no employee.
            request.employee_id = UUID(uuidString: value) ?? Self.noEmployee
            return
        default:
            guard target.hasPrefix("fields.") else { return }
            request.fields = (request.fields ?? [:]).merging([String(target.dropFirst(7)): .init(value)]) { _, new in new }
            return
        }
        request.person = person
    }
}

/// The last mapping an installation's admin used, by column header (`BatchUpload.key`), kept
/// in `settings` as `contract_batch_mapping:<installation id>`: the next file with the same
/// headers is matched the same way.
enum UploadMappings {
    static func name(_ installationID: UUID) -> String { "contract_batch_mapping:\(installationID.uuidString)" }

    static func remembered(_ installationID: UUID, on db: any Database) async throws -> [String: String] {
        let row = try await db.sql().raw("SELECT value FROM settings WHERE name = \(bind: name(installationID))").first()
        guard let text = try row?.decode(column: "value", as: String.self) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    static func remember(_ upload: BatchUpload, installationID: UUID, on db: any Database) async throws {
        var mapping: [String: String] = [:]
        for (index, header) in upload.table.header.enumerated() where index < upload.columns.count {
            mapping[BatchUpload.key(header)] = upload.columns[index]
        }
        let value = String(decoding: try JSONEncoder.sorted.encode(mapping), as: UTF8.self)
        try await db.sql().raw(
            """
            INSERT INTO settings (name, value) VALUES (\(bind: name(installationID)), \(bind: value))
            ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """
        ).run()
    }
}

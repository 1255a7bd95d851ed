import Foundation

/// The admin's data-fields page of an installation (`admin/data-fields.leaf`): each field,
/// where it maps, whether it is on the template group in Oneflow, and a form to change them.
struct DataFieldsPage: Encodable {
    struct Row: Encodable {
        var index: Int
        var customID: String
        var name: String
        var description: String
        var placeholder: String
        var mapsTo: String
        /// text, date or number.
        var format: String
        var required: Bool
        var retired: Bool
        /// Already the installation's (its custom id cannot change), or the empty row to add one.
        var existing: Bool
        /// Where it is in Oneflow, in words.
        var inOneflow: String
        var problems: [String]
    }

    var title: String
    var frame: AdminFrame
    var installationID: String
    var account: String
    var customized: Bool
    var connected: Bool
    var rows: [Row]
    /// Set-level problems (a field left out …).
    var problems: [String]
    var error: String?
    /// What Oneflow says of the group: its templates, or why it could not be asked.
    var group: String
    var hrFields: [String]
    var contracts: Int

    /// - Parameters:
    ///   - set: the fields to show (the saved set, or what was submitted, with an empty row to add one).
    ///   - onGroup: custom ids on the template group; nil when Oneflow could not be asked.
    static func rows(_ set: [FieldSet.Field], existing: Set<String>, onGroup: Set<String>?, problems: [FieldProblem]) -> [Row] {
        let blank = FieldSet.Field(
            customID: "", name: "", description: "", placeholder: "", mapsTo: nil, required: false, format: .text, retired: false)
        return (set + [blank]).enumerated().map { index, field in
            let inOneflow: String =
                if field.customID.isEmpty {
                    ""
                } else if let onGroup {
                    onGroup.contains(field.customID) ? "On the group" : field.retired ? "Not on the group" : "Not yet: set when saved"
                } else {
                    "Unknown"
                }
            return Row(
                index: index, customID: field.customID, name: field.name, description: field.description, placeholder: field.placeholder,
                mapsTo: field.mapsTo ?? "", format: field.format.rawValue, required: field.required, retired: field.retired,
                existing: existing.contains(field.customID), inOneflow: inOneflow,
                problems: problems.filter { $0.field.hasPrefix("fields[\(index)].") }.map(\.message))
        }
    }
}

/// The form's fields, `fields[i][custom_id]` …: the set, in order; an empty row is none.
struct DataFieldsForm: Decodable {
    struct Row: Decodable {
        var custom_id: String?
        var name: String?
        var description: String?
        var placeholder: String?
        var maps_to: String?
        var format: String?
        var required: String?
        var retired: String?
    }

    var fields: [Row]?

    var input: FieldSetInput {
        FieldSetInput(
            // The empty row is no field; one with anything typed in is (a missing custom id is then said).
            fields: (fields ?? []).filter { row in
                [row.custom_id, row.name, row.description, row.placeholder, row.maps_to].contains {
                    !($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty
                }
            }.map { row in
                // Retiring a required field: it is no longer required (the API refuses both at once).
                FieldSetInput.Field(
                    custom_id: row.custom_id, name: row.name, description: row.description, placeholder: row.placeholder, maps_to: row.maps_to,
                    required: row.required != nil && row.retired == nil, format: row.format, retired: row.retired != nil)
            })
    }
}

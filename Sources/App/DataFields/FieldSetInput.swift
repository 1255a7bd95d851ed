import Foundation
import Vapor

/// `PUT /api/v1/installations/{id}/data-fields`: the complete set, in order.
struct FieldSetInput: Content, Sendable {
    struct Field: Content, Sendable {
        var custom_id: String?
        var name: String?
        var description: String?
        var placeholder: String?
        /// An HR field (`start_date` …) or a custom HR field's name; absent or null: unmapped.
        var maps_to: String?
        var required: Bool?
        /// `text` (default) or `date`.
        var format: String?
        var retired: Bool?
    }

    var fields: [Field]?
}

extension FieldSet.Field {
    /// A field as typed (ids, names and targets trimmed; an unknown format read as text): what
    /// `FieldSetCheck` checks and stores, and what a refused form shows again.
    init(typed f: FieldSetInput.Field) {
        self.init(
            customID: (f.custom_id ?? "").trimmingCharacters(in: .whitespaces),
            name: (f.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines), description: f.description ?? "",
            placeholder: f.placeholder ?? "",
            mapsTo: f.maps_to.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 },
            required: f.required ?? false, format: AppConfig.DataFieldSpec.ValueFormat(rawValue: f.format ?? "text") ?? .text,
            retired: f.retired ?? false)
    }
}

/// How a field set reads in JSON (`GET`, and the answer to a `PUT`).
struct FieldSetJSON: Content, Sendable {
    struct Field: Content, Sendable {
        var custom_id: String
        var name: String
        var description: String
        var placeholder: String
        var maps_to: String?
        var required: Bool
        var format: String
        var retired: Bool
    }

    var installation_id: UUID
    /// False while the installation has the configured set.
    var customized: Bool
    var fields: [Field]

    init(installationID: UUID, _ set: FieldSet) {
        installation_id = installationID
        customized = set.customized
        fields = set.fields.map {
            Field(
                custom_id: $0.customID, name: $0.name, description: $0.description, placeholder: $0.placeholder, maps_to: $0.mapsTo,
                required: $0.required, format: $0.format.rawValue, retired: $0.retired)
        }
    }
}

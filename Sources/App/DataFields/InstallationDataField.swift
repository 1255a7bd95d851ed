import Fluent
import Foundation

/// One data field of an installation's saved `FieldSet` (`installation_data_fields`): every
/// field it ever had, retired ones too, in the customer's order.
final class InstallationDataField: Model, @unchecked Sendable {
    static let schema = "installation_data_fields"

    @ID(key: .id) var id: UUID?
    /// Not a `@Parent`: the field set reads below the installations' feature (`Setup/`).
    @Field(key: "installation_id") var installationID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "custom_id") var customID: String
    @Field(key: "name") var name: String
    @Field(key: "description") var description: String
    @Field(key: "placeholder") var placeholder: String
    @OptionalField(key: "maps_to") var mapsTo: String?
    @Field(key: "required") var required: Bool
    @Field(key: "format") var format: String
    @Field(key: "retired") var retired: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(installationID: UUID, position: Int, field: FieldSet.Field) {
        self.installationID = installationID
        self.position = position
        customID = field.customID
        name = field.name
        description = field.description
        placeholder = field.placeholder
        mapsTo = field.mapsTo
        required = field.required
        format = field.format.rawValue
        retired = field.retired
    }

    var field: FieldSet.Field {
        FieldSet.Field(
            customID: customID, name: name, description: description, placeholder: placeholder, mapsTo: mapsTo, required: required,
            format: AppConfig.DataFieldSpec.ValueFormat(rawValue: format) ?? .text, retired: retired)
    }
}

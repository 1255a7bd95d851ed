import Foundation

/// A data field of a template type. https://developer.oneflow.com/docs/data-field
public struct DataField: Codable, Sendable, Equatable {
    /// Text values are limited to 1,024 characters.
    public static let maxValueLength = 1024

    public var id: Int?
    /// Unique within a template type; the key we map to HR fields.
    public var customID: String?
    public var name: String?
    public var description: String?
    public var placeholder: String?
    public var value: String?
    public var active: Bool?
    public var source: Source?

    public init(
        id: Int? = nil, customID: String?, name: String?, description: String? = nil,
        placeholder: String? = nil, value: String? = nil, active: Bool? = nil, source: Source? = nil
    ) {
        self.id = id
        self.customID = customID
        self.name = name
        self.description = description
        self.placeholder = placeholder
        self.value = value
        self.active = active
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case id
        case customID = "custom_id"
        case name, description, placeholder, value, active, source
    }

    /// `user`, or `system` (created by an integration extension; updates are silently ignored).
    public struct Source: OpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let user: Self = "user"
        public static let system: Self = "system"
    }
}

/// One field in the body of `PUT /v1/template_types/{id}/data_fields`.
///
/// That PUT **replaces the whole set**: fields absent from the request are deleted, also from
/// every template using the type. https://developer.oneflow.com/docs/manage-template-type-data-fields
/// A field is matched by `custom_id`, or by `id` for fields made in Oneflow's UI without one.
public struct DataFieldInput: Codable, Sendable, Equatable {
    public var id: Int?
    public var customID: String?
    public var name: String
    public var description: String
    public var placeholder: String
    public var value: String

    public init(id: Int? = nil, customID: String?, name: String, description: String = "", placeholder: String = "", value: String = "") {
        self.id = id
        self.customID = customID
        self.name = name
        self.description = description
        self.placeholder = placeholder
        self.value = value
    }

    /// The same field, unchanged, for sending back in a complete set.
    public init(keeping field: DataField) {
        self.init(
            id: field.id, customID: field.customID, name: field.name ?? "", description: field.description ?? "",
            placeholder: field.placeholder ?? "", value: field.value ?? "")
    }

    enum CodingKeys: String, CodingKey {
        case id
        case customID = "custom_id"
        case name, description, placeholder, value
    }
}

/// `{"data_fields": [...]}`, the shape of both the PUT request and its response.
public struct DataFieldSet<Field: Codable & Sendable>: Codable, Sendable {
    public var dataFields: [Field]
    public init(dataFields: [Field]) { self.dataFields = dataFields }
    enum CodingKeys: String, CodingKey { case dataFields = "data_fields" }
}

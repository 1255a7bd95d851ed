import Foundation

/// A template, as `GET /v1/templates` lists it and `GET /v1/templates/{id}` returns it.
/// https://developer.oneflow.com/docs/get-templates-1
///
/// Templates are made in the Oneflow app only. `template_type` is `null` for a template in no
/// template group: such a template has no data fields we could set, and our webhook does not
/// fire for its contracts (`shared/oneflow-contract-creation.md` §3c).
public struct Template: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var active: Bool?
    public var templateType: TemplateType?
    /// Delivery channels, sign methods and 2FA methods a participant may be given.
    public var availableOptions: AvailableOptions?
    public var tags: [Tag]?
    public var createdTime: Date?
    public var updatedTime: Date?

    public init(
        id: Int, name: String?, active: Bool? = nil, templateType: TemplateType? = nil,
        availableOptions: AvailableOptions? = nil, tags: [Tag]? = nil, createdTime: Date? = nil, updatedTime: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.active = active
        self.templateType = templateType
        self.availableOptions = availableOptions
        self.tags = tags
        self.createdTime = createdTime
        self.updatedTime = updatedTime
    }

    enum CodingKeys: String, CodingKey {
        case id, name, active
        case templateType = "template_type"
        case availableOptions = "available_options"
        case tags
        case createdTime = "created_time"
        case updatedTime = "updated_time"
    }

    /// `{id, name}` of a template tag.
    public struct Tag: Codable, Sendable, Equatable {
        public var id: Int?
        public var name: String?
        public init(id: Int?, name: String?) {
            self.id = id
            self.name = name
        }
    }
}

/// One workspace of `GET /v1/helpers/contract_create_data`: a workspace where the acting user
/// may create contracts, with its active templates (optionally of one template type).
/// https://developer.oneflow.com/docs/get-data-to-create-a-contract
///
/// The answer is an unpaginated array of these (shape from Oneflow's Power Platform connector).
public struct WorkspaceTemplates: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var templates: [Template]

    public init(id: Int, name: String?, templates: [Template] = []) {
        self.id = id
        self.name = name
        self.templates = templates
    }

    enum CodingKeys: String, CodingKey { case id, name, templates }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        templates = try c.decodeIfPresent([Template].self, forKey: .templates) ?? []
    }
}

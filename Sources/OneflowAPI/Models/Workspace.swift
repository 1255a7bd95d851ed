import Foundation

/// A workspace, as `GET /v1/workspaces` lists them. https://developer.oneflow.com/docs/workspace
///
/// Workspaces are made and shared in the Oneflow app only. `company_name`, `country_code` and
/// `registration_number` are the defaults its templates and contracts use for the owner side.
public struct Workspace: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var description: String?
    public var companyName: String?
    public var countryCode: String?
    public var registrationNumber: String?
    /// The acting user's permissions in this workspace (`_permissions`), e.g. `contract:create`.
    public var permissions: [String: Bool]
    public var createdTime: Date?
    public var updatedTime: Date?

    public init(
        id: Int, name: String?, description: String? = nil, companyName: String? = nil, countryCode: String? = nil,
        registrationNumber: String? = nil, permissions: [String: Bool] = [:], createdTime: Date? = nil, updatedTime: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.companyName = companyName
        self.countryCode = countryCode
        self.registrationNumber = registrationNumber
        self.permissions = permissions
        self.createdTime = createdTime
        self.updatedTime = updatedTime
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case companyName = "company_name"
        case countryCode = "country_code"
        case registrationNumber = "registration_number"
        case permissions = "_permissions"
        case createdTime = "created_time"
        case updatedTime = "updated_time"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        companyName = try c.decodeIfPresent(String.self, forKey: .companyName)
        countryCode = try c.decodeIfPresent(String.self, forKey: .countryCode)
        registrationNumber = try c.decodeIfPresent(String.self, forKey: .registrationNumber)
        permissions = c.decodeFlags(forKey: .permissions) ?? [:]
        createdTime = try c.decodeIfPresent(Date.self, forKey: .createdTime)
        updatedTime = try c.decodeIfPresent(Date.self, forKey: .updatedTime)
    }

    /// The acting user may create contracts here; only such workspaces are worth offering.
    public var canCreateContracts: Bool { permissions["contract:create"] == true }
}

/// A user of the Oneflow account, as `GET /v1/users` lists them.
/// https://developer.oneflow.com/reference/api-overview ("User: Get a list of users").
///
/// The item shape is inferred (no official sample was readable): every field but `id` is
/// optional, and one of an unexpected type reads as `nil` rather than failing the whole list.
public struct User: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var email: String?
    public var title: String?
    public var active: Bool?
    public var role: String?

    public init(id: Int, name: String?, email: String?, title: String? = nil, active: Bool? = nil, role: String? = nil) {
        self.id = id
        self.name = name
        self.email = email
        self.title = title
        self.active = active
        self.role = role
    }

    enum CodingKeys: String, CodingKey { case id, name, email, title, active, role }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try? c.decodeIfPresent(String.self, forKey: .name)
        email = try? c.decodeIfPresent(String.self, forKey: .email)
        title = try? c.decodeIfPresent(String.self, forKey: .title)
        active = try? c.decodeIfPresent(Bool.self, forKey: .active)
        role = try? c.decodeIfPresent(String.self, forKey: .role)
    }
}

import Foundation

/// The account behind a token: `GET /v1/accounts/me`.
/// https://developer.oneflow.com/docs/account-1 — recommended when saving a token
/// (https://developer.oneflow.com/docs/authentication-1).
public struct Account: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var countryCode: String?
    public var registrationNumber: String?
    public var createdTime: Date?
    public var updatedTime: Date?
    public var tokenInfo: TokenInfo?

    public init(
        id: Int, name: String?, countryCode: String? = nil, registrationNumber: String? = nil,
        createdTime: Date? = nil, updatedTime: Date? = nil, tokenInfo: TokenInfo? = nil
    ) {
        self.id = id
        self.name = name
        self.countryCode = countryCode
        self.registrationNumber = registrationNumber
        self.createdTime = createdTime
        self.updatedTime = updatedTime
        self.tokenInfo = tokenInfo
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case countryCode = "country_code"
        case registrationNumber = "registration_number"
        case createdTime = "created_time"
        case updatedTime = "updated_time"
        case tokenInfo = "token_info"
    }

    /// `token_info.integration {id, key}`; a custom token shows `{"id": null, "key": "custom"}`.
    public struct TokenInfo: Codable, Sendable, Equatable {
        public var integration: Integration?
        public init(integration: Integration?) { self.integration = integration }
        public struct Integration: Codable, Sendable, Equatable {
            public var id: Int?
            public var key: String?
            public init(id: Int?, key: String?) {
                self.id = id
                self.key = key
            }
        }
    }
}

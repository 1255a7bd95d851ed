import Foundation

/// One item of `PUT /v1/contracts/{id}/data_fields` (changing values while the contract is a draft).
/// https://developer.oneflow.com/docs/update-a-data-field-value
///
/// Each item names its field by `id` and/or custom id; the custom id travels as
/// `{"_private_ownerside": {"custom_id": …}}`, as contracts show it. A `nil` value is left out,
/// which leaves the field unchanged; `""` clears it.
public struct ContractDataFieldUpdate: Codable, Sendable, Equatable {
    public var id: Int?
    public var customID: String?
    public var value: String?

    public init(id: Int? = nil, customID: String? = nil, value: String?) {
        self.id = id
        self.customID = customID
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case id
        case privateOwnerside = "_private_ownerside"
        case value
    }
    enum OwnersideKeys: String, CodingKey { case customID = "custom_id" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int.self, forKey: .id)
        value = try c.decodeIfPresent(String.self, forKey: .value)
        if c.contains(.privateOwnerside), try !c.decodeNil(forKey: .privateOwnerside) {
            let ownerside = try c.nestedContainer(keyedBy: OwnersideKeys.self, forKey: .privateOwnerside)
            customID = try ownerside.decodeIfPresent(String.self, forKey: .customID)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        if let customID {
            var ownerside = c.nestedContainer(keyedBy: OwnersideKeys.self, forKey: .privateOwnerside)
            try ownerside.encode(customID, forKey: .customID)
        }
        try c.encodeIfPresent(value, forKey: .value)
    }
}

/// How `PUT /v1/contracts/{id}/data_fields/{field}` names one data field: by its numeric id,
/// or by custom id with Oneflow's `c::` prefix (used by Oneflow's Power Platform connector
/// since 2022; a bare custom id would be read as an id — `shared/oneflow-contract-creation.md` §5).
public enum DataFieldReference: Sendable, Hashable {
    case id(Int)
    case customID(String)

    /// The path segment: `123` or `c::<custom id>`, percent-encoded.
    public var pathComponent: String {
        switch self {
        case .id(let id):
            return String(id)
        case .customID(let customID):
            return "c::" + (customID.addingPercentEncoding(withAllowedCharacters: Self.segmentAllowed) ?? customID)
        }
    }

    /// Characters a path segment may carry as they are; `/`, `;`, `?`, `#` and `%` are encoded.
    private static let segmentAllowed: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        return allowed
    }()
}

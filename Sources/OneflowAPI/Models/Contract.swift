import Foundation

/// A contract, as `GET /v1/contracts/{id}` returns it. https://developer.oneflow.com/docs/contract
///
/// Only the fields HR sync relies on are typed; everything else is ignored when decoding.
public struct Contract: Codable, Sendable, Equatable {
    public var id: Int
    public var state: ContractState
    public var stateUpdatedTime: Date?
    public var publishedTime: Date?
    public var updatedTime: Date?
    public var signingPeriodExpiryTime: Date?
    public var privateInfo: PrivateInfo?
    /// Visible to the owner side only; carries the template type — how we tell our contracts from others.
    public var privateOwnerside: PrivateOwnerside?
    public var dataFields: [ContractDataField]
    public var parties: [Party]
    public var lifecycleState: LifecycleState?

    public init(
        id: Int, state: ContractState, stateUpdatedTime: Date? = nil, publishedTime: Date? = nil,
        updatedTime: Date? = nil, signingPeriodExpiryTime: Date? = nil, privateInfo: PrivateInfo? = nil,
        privateOwnerside: PrivateOwnerside? = nil, dataFields: [ContractDataField] = [],
        parties: [Party] = [], lifecycleState: LifecycleState? = nil
    ) {
        self.id = id
        self.state = state
        self.stateUpdatedTime = stateUpdatedTime
        self.publishedTime = publishedTime
        self.updatedTime = updatedTime
        self.signingPeriodExpiryTime = signingPeriodExpiryTime
        self.privateInfo = privateInfo
        self.privateOwnerside = privateOwnerside
        self.dataFields = dataFields
        self.parties = parties
        self.lifecycleState = lifecycleState
    }

    enum CodingKeys: String, CodingKey {
        case id, state
        case stateUpdatedTime = "state_updated_time"
        case publishedTime = "published_time"
        case updatedTime = "updated_time"
        case signingPeriodExpiryTime = "signing_period_expiry_time"
        case privateInfo = "_private"
        case privateOwnerside = "_private_ownerside"
        case dataFields = "data_fields"
        case parties
        case lifecycleState = "lifecycle_state"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        state = try c.decode(ContractState.self, forKey: .state)
        stateUpdatedTime = try c.decodeIfPresent(Date.self, forKey: .stateUpdatedTime)
        publishedTime = try c.decodeIfPresent(Date.self, forKey: .publishedTime)
        updatedTime = try c.decodeIfPresent(Date.self, forKey: .updatedTime)
        signingPeriodExpiryTime = try c.decodeIfPresent(Date.self, forKey: .signingPeriodExpiryTime)
        privateInfo = try c.decodeIfPresent(PrivateInfo.self, forKey: .privateInfo)
        privateOwnerside = try c.decodeIfPresent(PrivateOwnerside.self, forKey: .privateOwnerside)
        dataFields = try c.decodeIfPresent([ContractDataField].self, forKey: .dataFields) ?? []
        parties = try c.decodeIfPresent([Party].self, forKey: .parties) ?? []
        lifecycleState = try c.decodeIfPresent(LifecycleState.self, forKey: .lifecycleState)
    }

    /// The template type (template group) the contract was created from, if visible to us.
    public var templateTypeID: Int? { privateOwnerside?.templateTypeID }
    public var name: String? { privateInfo?.name }

    /// The parties that are not ours (`my_party == false`): for HR, the employee's side.
    public var counterparties: [Party] { parties.filter { $0.myParty != true } }

    public struct PrivateInfo: Codable, Sendable, Equatable {
        public var name: String?
        public var workspaceID: Int?
        public init(name: String?, workspaceID: Int? = nil) {
            self.name = name
            self.workspaceID = workspaceID
        }
        enum CodingKeys: String, CodingKey {
            case name
            case workspaceID = "workspace_id"
        }
    }

    public struct PrivateOwnerside: Codable, Sendable, Equatable {
        public var createdTime: Date?
        public var templateID: Int?
        public var templateTypeID: Int?
        public init(createdTime: Date? = nil, templateID: Int? = nil, templateTypeID: Int?) {
            self.createdTime = createdTime
            self.templateID = templateID
            self.templateTypeID = templateTypeID
        }
        enum CodingKeys: String, CodingKey {
            case createdTime = "created_time"
            case templateID = "template_id"
            case templateTypeID = "template_type_id"
        }
    }
}

/// `draft | pending | overdue | signed | declined`, open to future values.
public struct ContractState: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let draft: Self = "draft"
    public static let pending: Self = "pending"
    public static let overdue: Self = "overdue"
    public static let signed: Self = "signed"
    public static let declined: Self = "declined"
}

/// A data field as it appears on a contract: the custom id sits under `_private_ownerside`.
/// https://developer.oneflow.com/docs/update-a-data-field-value
public struct ContractDataField: Codable, Sendable, Equatable {
    public var id: Int?
    public var name: String?
    public var description: String?
    public var placeholder: String?
    public var value: String?
    public var privateOwnerside: Ownerside?

    public init(id: Int?, customID: String?, name: String? = nil, value: String?) {
        self.id = id
        self.name = name
        self.value = value
        self.privateOwnerside = Ownerside(customID: customID)
    }

    public var customID: String? { privateOwnerside?.customID }

    enum CodingKeys: String, CodingKey {
        case id, name, description, placeholder, value
        case privateOwnerside = "_private_ownerside"
    }

    public struct Ownerside: Codable, Sendable, Equatable {
        public var customID: String?
        public var createdTime: Date?
        public var updatedTime: Date?
        public init(customID: String?, createdTime: Date? = nil, updatedTime: Date? = nil) {
            self.customID = customID
            self.createdTime = createdTime
            self.updatedTime = updatedTime
        }
        enum CodingKeys: String, CodingKey {
            case customID = "custom_id"
            case createdTime = "created_time"
            case updatedTime = "updated_time"
        }
    }
}

/// `lifecycle_state` of a contract. https://support.oneflow.com/hc/en-se/articles/39955849128593
public struct LifecycleState: Codable, Sendable, Equatable {
    public var lifecycleState: Value?
    public var contractStartTime: Date?
    public var contractEndTime: Date?
    public var cancelTime: Date?
    public var isCanceled: Bool?
    public var hasEndedByTermination: Bool?
    public var lifecycleStateUpdatedTime: Date?

    public init(
        lifecycleState: Value?, contractStartTime: Date? = nil, contractEndTime: Date? = nil,
        cancelTime: Date? = nil, isCanceled: Bool? = nil, hasEndedByTermination: Bool? = nil,
        lifecycleStateUpdatedTime: Date? = nil
    ) {
        self.lifecycleState = lifecycleState
        self.contractStartTime = contractStartTime
        self.contractEndTime = contractEndTime
        self.cancelTime = cancelTime
        self.isCanceled = isCanceled
        self.hasEndedByTermination = hasEndedByTermination
        self.lifecycleStateUpdatedTime = lifecycleStateUpdatedTime
    }

    enum CodingKeys: String, CodingKey {
        case lifecycleState = "lifecycle_state"
        case contractStartTime = "contract_start_time"
        case contractEndTime = "contract_end_time"
        case cancelTime = "cancel_time"
        case isCanceled = "is_canceled"
        case hasEndedByTermination = "has_ended_by_termination"
        case lifecycleStateUpdatedTime = "lifecycle_state_updated_time"
    }

    /// `awaiting | active | ended`.
    public struct Value: OpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let awaiting: Self = "awaiting"
        public static let active: Self = "active"
        public static let ended: Self = "ended"
    }
}

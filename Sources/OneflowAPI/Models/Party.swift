import Foundation

/// A party of a contract. https://developer.oneflow.com/docs/participant
///
/// Company parties list `participants`; individual parties carry a single `participant`.
public struct Party: Codable, Sendable, Equatable {
    public var id: Int?
    public var type: PartyType?
    public var name: String?
    public var identificationNumber: String?
    public var countryCode: String?
    /// True for the owner side (the HR admin's company).
    public var myParty: Bool?
    public var participants: [Participant]?
    public var participant: Participant?

    public init(
        id: Int?, type: PartyType?, name: String?, identificationNumber: String? = nil, countryCode: String? = nil,
        myParty: Bool?, participants: [Participant]? = nil, participant: Participant? = nil
    ) {
        self.id = id
        self.type = type
        self.name = name
        self.identificationNumber = identificationNumber
        self.countryCode = countryCode
        self.myParty = myParty
        self.participants = participants
        self.participant = participant
    }

    enum CodingKeys: String, CodingKey {
        case id, type, name
        case identificationNumber = "identification_number"
        case countryCode = "country_code"
        case myParty = "my_party"
        case participants, participant
    }

    /// Every participant of the party, whichever shape it came in.
    public var allParticipants: [Participant] {
        (participant.map { [$0] } ?? []) + (participants ?? [])
    }

    public struct PartyType: OpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let company: Self = "company"
        public static let individual: Self = "individual"
    }
}

/// A participant (a person) of a party. https://developer.oneflow.com/docs/participant
public struct Participant: Codable, Sendable, Equatable {
    public var id: Int?
    public var name: String?
    public var email: String?
    public var phoneNumber: String?
    /// SSN / personal number / date of birth: personal data, store encrypted.
    public var identificationNumber: String?
    public var title: String?
    public var signatory: Bool?
    public var organizer: Bool?
    public var signState: SignState?
    public var signStateUpdatedTime: Date?
    public var deliveryChannel: String?
    /// `not_sent | pending | failure | bounce | success | opened` (Oneflow's connector); a string
    /// because the progression between them is not documented.
    public var deliveryStatus: String?
    public var signMethod: String?
    public var twoStepAuthenticationMethod: String?
    /// `_permissions`, e.g. `["contract:update": true]`.
    public var permissions: [String: Bool]?

    public init(
        id: Int?, name: String?, email: String?, phoneNumber: String? = nil, identificationNumber: String? = nil,
        title: String? = nil, signatory: Bool? = nil, organizer: Bool? = nil, signState: SignState? = nil,
        signStateUpdatedTime: Date? = nil, deliveryChannel: String? = nil, signMethod: String? = nil,
        deliveryStatus: String? = nil, twoStepAuthenticationMethod: String? = nil, permissions: [String: Bool]? = nil
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.phoneNumber = phoneNumber
        self.identificationNumber = identificationNumber
        self.title = title
        self.signatory = signatory
        self.organizer = organizer
        self.signState = signState
        self.signStateUpdatedTime = signStateUpdatedTime
        self.deliveryChannel = deliveryChannel
        self.signMethod = signMethod
        self.deliveryStatus = deliveryStatus
        self.twoStepAuthenticationMethod = twoStepAuthenticationMethod
        self.permissions = permissions
    }

    enum CodingKeys: String, CodingKey {
        case id, name, email
        case phoneNumber = "phone_number"
        case identificationNumber = "identification_number"
        case title, signatory, organizer
        case signState = "sign_state"
        case signStateUpdatedTime = "sign_state_updated_time"
        case deliveryChannel = "delivery_channel"
        case deliveryStatus = "delivery_status"
        case signMethod = "sign_method"
        case twoStepAuthenticationMethod = "two_step_authentication_method"
        case permissions = "_permissions"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        phoneNumber = try c.decodeIfPresent(String.self, forKey: .phoneNumber)
        identificationNumber = try c.decodeIfPresent(String.self, forKey: .identificationNumber)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        signatory = try c.decodeIfPresent(Bool.self, forKey: .signatory)
        organizer = try c.decodeIfPresent(Bool.self, forKey: .organizer)
        signState = try c.decodeIfPresent(SignState.self, forKey: .signState)
        signStateUpdatedTime = try c.decodeIfPresent(Date.self, forKey: .signStateUpdatedTime)
        deliveryChannel = try c.decodeIfPresent(String.self, forKey: .deliveryChannel)
        // The fields added for contract creation are read leniently: a surprise in them must
        // not make a contract that sync already reads undecodable.
        deliveryStatus = try? c.decodeIfPresent(String.self, forKey: .deliveryStatus)
        signMethod = try c.decodeIfPresent(String.self, forKey: .signMethod)
        twoStepAuthenticationMethod = try? c.decodeIfPresent(String.self, forKey: .twoStepAuthenticationMethod)
        permissions = c.decodeFlags(forKey: .permissions)
    }

    /// `undecided | signed | declined`.
    public struct SignState: OpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let undecided: Self = "undecided"
        public static let signed: Self = "signed"
        public static let declined: Self = "declined"
    }
}

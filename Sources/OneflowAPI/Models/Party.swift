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

    public init(id: Int?, type: PartyType?, name: String?, identificationNumber: String? = nil, countryCode: String? = nil,
                myParty: Bool?, participants: [Participant]? = nil, participant: Participant? = nil) {
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
        case id, type, name, identificationNumber = "identification_number", countryCode = "country_code"
        case myParty = "my_party", participants, participant
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
    public var signMethod: String?

    public init(id: Int?, name: String?, email: String?, phoneNumber: String? = nil, identificationNumber: String? = nil,
                title: String? = nil, signatory: Bool? = nil, organizer: Bool? = nil, signState: SignState? = nil,
                signStateUpdatedTime: Date? = nil, deliveryChannel: String? = nil, signMethod: String? = nil) {
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
    }

    enum CodingKeys: String, CodingKey {
        case id, name, email, phoneNumber = "phone_number", identificationNumber = "identification_number"
        case title, signatory, organizer, signState = "sign_state", signStateUpdatedTime = "sign_state_updated_time"
        case deliveryChannel = "delivery_channel", signMethod = "sign_method"
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

import Foundation

/// A counterparty in `POST /v1/contracts/create` (or `POST /v1/contracts/{id}/parties`).
/// https://developer.oneflow.com/reference/create-a-party
///
/// A company lists `participants`; an individual carries a single `participant` object
/// (Oneflow's Power Platform connector; `shared/oneflow-contract-creation.md` §4.3). Use the
/// static constructors, which build each shape.
public struct PartyInput: Codable, Sendable, Equatable {
    public var type: Party.PartyType
    /// Company name, 1–100 characters.
    public var name: String?
    /// Company registration number, up to 25 characters.
    public var identificationNumber: String?
    /// ISO country code, e.g. `SE`.
    public var countryCode: String?
    public var participant: ParticipantInput?
    public var participants: [ParticipantInput]?

    public init(
        type: Party.PartyType, name: String? = nil, identificationNumber: String? = nil, countryCode: String? = nil,
        participant: ParticipantInput? = nil, participants: [ParticipantInput]? = nil
    ) {
        self.type = type
        self.name = name
        self.identificationNumber = identificationNumber
        self.countryCode = countryCode
        self.participant = participant
        self.participants = participants
    }

    enum CodingKeys: String, CodingKey {
        case type, name
        case identificationNumber = "identification_number"
        case countryCode = "country_code"
        case participant, participants
    }

    /// A person signing for themselves (the employee): `{"type": "individual", "participant": {…}}`.
    public static func individual(_ participant: ParticipantInput, countryCode: String? = nil) -> PartyInput {
        PartyInput(type: .individual, countryCode: countryCode, participant: participant)
    }

    /// A company with at least one participant.
    public static func company(
        name: String, identificationNumber: String? = nil, countryCode: String? = nil,
        participants: [ParticipantInput]
    ) -> PartyInput {
        PartyInput(
            type: .company, name: name, identificationNumber: identificationNumber, countryCode: countryCode,
            participants: participants)
    }
}

/// A participant to create. https://developer.oneflow.com/docs/participant
///
/// Delivery channel, sign method and two-step authentication method must be among the
/// template's `available_options` (check with `AvailableOptions.problems(for:)`); they stay
/// strings because Oneflow adds methods over time. Role flags
/// (https://developer.oneflow.com/docs/other-important-changes): signatory =
/// `signatory: true` + `_permissions["contract:update"] = true`; viewer = all false.
public struct ParticipantInput: Codable, Sendable, Equatable {
    /// 1–100 characters; required by Oneflow for a new participant.
    public var name: String?
    public var email: String?
    /// E.164, e.g. `+46701234567`.
    public var phoneNumber: String?
    /// SSN / personal number / date of birth (≤ 25): a signing identity, and personal data.
    public var identificationNumber: String?
    public var title: String?
    public var signatory: Bool?
    /// Owner side only; an organizer cannot sign.
    public var organizer: Bool?
    /// `email`, `sms`, `same_device`, `none`, `email_and_sms`, …
    public var deliveryChannel: String?
    /// `standard_esign`, `sms`, `swedish_bankid`, …
    public var signMethod: String?
    /// `email`, `sms`, `none`, …
    public var twoStepAuthenticationMethod: String?
    /// `_permissions`, e.g. `["contract:update": true]`.
    public var permissions: [String: Bool]?

    public init(
        name: String? = nil, email: String? = nil, phoneNumber: String? = nil, identificationNumber: String? = nil,
        title: String? = nil, signatory: Bool? = nil, organizer: Bool? = nil, deliveryChannel: String? = nil,
        signMethod: String? = nil, twoStepAuthenticationMethod: String? = nil, permissions: [String: Bool]? = nil
    ) {
        self.name = name
        self.email = email
        self.phoneNumber = phoneNumber
        self.identificationNumber = identificationNumber
        self.title = title
        self.signatory = signatory
        self.organizer = organizer
        self.deliveryChannel = deliveryChannel
        self.signMethod = signMethod
        self.twoStepAuthenticationMethod = twoStepAuthenticationMethod
        self.permissions = permissions
    }

    enum CodingKeys: String, CodingKey {
        case name, email
        case phoneNumber = "phone_number"
        case identificationNumber = "identification_number"
        case title
        case signatory, organizer
        case deliveryChannel = "delivery_channel"
        case signMethod = "sign_method"
        case twoStepAuthenticationMethod = "two_step_authentication_method"
        case permissions = "_permissions"
    }
}

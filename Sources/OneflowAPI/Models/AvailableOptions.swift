import Foundation

/// `available_options` of a template: the delivery channels, sign methods and two-step
/// authentication methods its participants may be given, each with the participant
/// attributes it needs (`email` for e-mail delivery, `phone_number` for SMS, …).
/// https://developer.oneflow.com/docs/get-templates-1 ; shape from `shared/oneflow-contract-creation.md` §3b.
///
/// Oneflow rejects a create or publish whose participant lacks what its channel or method
/// needs, so `problems(for:)` checks a participant before the call.
public struct AvailableOptions: Codable, Sendable, Equatable {
    public var deliveryChannels: [Option]
    public var signMethods: [Option]
    public var twoStepAuthenticationMethods: [Option]
    public var canReceiveAttachments: Bool?
    public var canReceiveExpandedPDF: Bool?
    public var canReceiveProducts: Bool?

    public init(
        deliveryChannels: [Option] = [], signMethods: [Option] = [], twoStepAuthenticationMethods: [Option] = [],
        canReceiveAttachments: Bool? = nil, canReceiveExpandedPDF: Bool? = nil, canReceiveProducts: Bool? = nil
    ) {
        self.deliveryChannels = deliveryChannels
        self.signMethods = signMethods
        self.twoStepAuthenticationMethods = twoStepAuthenticationMethods
        self.canReceiveAttachments = canReceiveAttachments
        self.canReceiveExpandedPDF = canReceiveExpandedPDF
        self.canReceiveProducts = canReceiveProducts
    }

    enum CodingKeys: String, CodingKey {
        case deliveryChannels = "delivery_channels"
        case signMethods = "sign_methods"
        case twoStepAuthenticationMethods = "two_step_authentication_methods"
        case canReceiveAttachments = "can_receive_attachments"
        case canReceiveExpandedPDF = "can_receive_expanded_pdf"
        case canReceiveProducts = "can_receive_products"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deliveryChannels = try c.decodeIfPresent([Option].self, forKey: .deliveryChannels) ?? []
        signMethods = try c.decodeIfPresent([Option].self, forKey: .signMethods) ?? []
        twoStepAuthenticationMethods = try c.decodeIfPresent([Option].self, forKey: .twoStepAuthenticationMethods) ?? []
        canReceiveAttachments = try c.decodeIfPresent(Bool.self, forKey: .canReceiveAttachments)
        canReceiveExpandedPDF = try c.decodeIfPresent(Bool.self, forKey: .canReceiveExpandedPDF)
        canReceiveProducts = try c.decodeIfPresent(Bool.self, forKey: .canReceiveProducts)
    }

    /// One channel or method, e.g. `{"name": "email", "preferred": true, "required_participant_attributes": ["email"]}`.
    /// Sign-method options are seen without `required_participant_attributes`: they then require nothing.
    public struct Option: Codable, Sendable, Equatable {
        public var name: String
        public var preferred: Bool?
        public var requiredParticipantAttributes: [String]

        public init(name: String, preferred: Bool? = nil, requiredParticipantAttributes: [String] = []) {
            self.name = name
            self.preferred = preferred
            self.requiredParticipantAttributes = requiredParticipantAttributes
        }

        enum CodingKeys: String, CodingKey {
            case name, preferred
            case requiredParticipantAttributes = "required_participant_attributes"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            preferred = try c.decodeIfPresent(Bool.self, forKey: .preferred)
            requiredParticipantAttributes = try c.decodeIfPresent([String].self, forKey: .requiredParticipantAttributes) ?? []
        }
    }
}

extension AvailableOptions {
    /// What is wrong with `participant` for this template, keyed by participant attribute
    /// (`delivery_channel`, `sign_method`, `two_step_authentication_method`, `email`,
    /// `phone_number`, `identification_number`, …); empty when nothing is.
    ///
    /// - A chosen channel or method must be one of the template's options. A kind the template
    ///   lists no options for is not checked: an absent list tells us nothing.
    /// - Each attribute a chosen option requires must be present and not blank.
    /// - A channel or method left `nil` is not checked; Oneflow applies its own rules to it.
    public func problems(for participant: ParticipantInput) -> [String: String] {
        let choices: [(key: String, label: String, chosen: String?, options: [Option])] = [
            ("delivery_channel", "delivery channel", participant.deliveryChannel, deliveryChannels),
            ("sign_method", "sign method", participant.signMethod, signMethods),
            ("two_step_authentication_method", "two-step authentication", participant.twoStepAuthenticationMethod, twoStepAuthenticationMethods),
        ]
        var problems: [String: String] = [:]
        var requiredBy: [(attribute: String, reasons: [String])] = []
        for choice in choices {
            guard let chosen = choice.chosen else { continue }
            guard let option = choice.options.first(where: { $0.name == chosen }) else {
                if !choice.options.isEmpty {
                    let names = choice.options.map(\.name).joined(separator: ", ")
                    problems[choice.key] = "\(chosen) is not available in this template (available: \(names))"
                }
                continue
            }
            for attribute in option.requiredParticipantAttributes {
                let reason = "\(choice.label) \(chosen)"
                if let index = requiredBy.firstIndex(where: { $0.attribute == attribute }) {
                    requiredBy[index].reasons.append(reason)
                } else {
                    requiredBy.append((attribute, [reason]))
                }
            }
        }
        for (attribute, reasons) in requiredBy where Self.isMissing(attribute, of: participant) {
            problems[attribute] = "required by " + reasons.joined(separator: " and ")
        }
        return problems
    }

    /// An attribute we cannot read from a participant (one Oneflow may add) is not reported:
    /// the helper flags only what it can check.
    static func isMissing(_ attribute: String, of participant: ParticipantInput) -> Bool {
        let value: String?
        switch attribute {
        case "email": value = participant.email
        case "phone_number": value = participant.phoneNumber
        case "identification_number": value = participant.identificationNumber
        case "name": value = participant.name
        case "title": value = participant.title
        default: return false
        }
        return value?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true
    }
}

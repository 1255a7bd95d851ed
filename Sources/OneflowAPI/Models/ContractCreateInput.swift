import Foundation

/// Body of `POST /v1/contracts/create`. https://developer.oneflow.com/reference/create-a-contract
///
/// The minimal body is `{"workspace_id", "template_id"}`: the acting user is then added to the
/// owner side by default. Empty lists are left out rather than sent as `[]`, and `nil` fields
/// are omitted. Oneflow copies the template into the new contract, which starts as a `draft`.
public struct ContractCreateInput: Codable, Sendable, Equatable {
    public var workspaceID: Int
    /// Must belong to `workspaceID` (https://developer.oneflow.com/docs/other-important-changes).
    public var templateID: Int
    /// Contract name, up to 130 characters; comes back as `_private.name`.
    public var name: String?
    /// Only data fields of the template's template type can be set.
    /// https://developer.oneflow.com/docs/create-a-contract-with-data-fields
    public var dataFields: [DataFieldValue]
    /// The owner side (always a company). https://developer.oneflow.com/docs/create-a-contract-with-an-owner-side-party
    public var myParty: MyPartyInput?
    /// Counterparties, at most 40. https://developer.oneflow.com/docs/create-a-contract-with-counterparties
    public var parties: [PartyInput]
    public var folderID: Int?

    public init(
        workspaceID: Int, templateID: Int, name: String? = nil, dataFields: [DataFieldValue] = [],
        myParty: MyPartyInput? = nil, parties: [PartyInput] = [], folderID: Int? = nil
    ) {
        self.workspaceID = workspaceID
        self.templateID = templateID
        self.name = name
        self.dataFields = dataFields
        self.myParty = myParty
        self.parties = parties
        self.folderID = folderID
    }

    enum CodingKeys: String, CodingKey {
        case workspaceID = "workspace_id"
        case templateID = "template_id"
        case name
        case dataFields = "data_fields"
        case myParty = "my_party"
        case parties
        case folderID = "folder_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        workspaceID = try c.decode(Int.self, forKey: .workspaceID)
        templateID = try c.decode(Int.self, forKey: .templateID)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        dataFields = try c.decodeIfPresent([DataFieldValue].self, forKey: .dataFields) ?? []
        myParty = try c.decodeIfPresent(MyPartyInput.self, forKey: .myParty)
        parties = try c.decodeIfPresent([PartyInput].self, forKey: .parties) ?? []
        folderID = try c.decodeIfPresent(Int.self, forKey: .folderID)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(workspaceID, forKey: .workspaceID)
        try c.encode(templateID, forKey: .templateID)
        try c.encodeIfPresent(name, forKey: .name)
        if !dataFields.isEmpty { try c.encode(dataFields, forKey: .dataFields) }
        try c.encodeIfPresent(myParty, forKey: .myParty)
        if !parties.isEmpty { try c.encode(parties, forKey: .parties) }
        try c.encodeIfPresent(folderID, forKey: .folderID)
    }
}

/// `{custom_id, value}`: one data field value at create time. Values are text (≤ 1,024
/// characters; checkboxes `"0"`/`"1"`). https://developer.oneflow.com/docs/create-a-contract-with-data-fields
public struct DataFieldValue: Codable, Sendable, Equatable {
    public var customID: String
    public var value: String

    public init(customID: String, value: String) {
        self.customID = customID
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case customID = "custom_id"
        case value
    }
}

/// `my_party`: the owner side, the HR admin's company.
/// https://developer.oneflow.com/docs/create-a-contract-with-an-owner-side-party
///
/// Party fields left `nil` come from the workspace defaults. Participants (1–29, each the
/// email of an active user of the account) are left out when empty: the creator is then added.
public struct MyPartyInput: Codable, Sendable, Equatable {
    public var name: String?
    public var identificationNumber: String?
    public var countryCode: String?
    /// When `true`, the creator's role and permission flags are taken from the template.
    public var creatorInheritSettingsFromTemplate: Bool?
    public var participants: [ParticipantInput]

    public init(
        name: String? = nil, identificationNumber: String? = nil, countryCode: String? = nil,
        creatorInheritSettingsFromTemplate: Bool? = nil, participants: [ParticipantInput] = []
    ) {
        self.name = name
        self.identificationNumber = identificationNumber
        self.countryCode = countryCode
        self.creatorInheritSettingsFromTemplate = creatorInheritSettingsFromTemplate
        self.participants = participants
    }

    enum CodingKeys: String, CodingKey {
        case name
        case identificationNumber = "identification_number"
        case countryCode = "country_code"
        case creatorInheritSettingsFromTemplate = "creator_inherit_settings_from_template"
        case participants
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        identificationNumber = try c.decodeIfPresent(String.self, forKey: .identificationNumber)
        countryCode = try c.decodeIfPresent(String.self, forKey: .countryCode)
        creatorInheritSettingsFromTemplate = try c.decodeIfPresent(Bool.self, forKey: .creatorInheritSettingsFromTemplate)
        participants = try c.decodeIfPresent([ParticipantInput].self, forKey: .participants) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(identificationNumber, forKey: .identificationNumber)
        try c.encodeIfPresent(countryCode, forKey: .countryCode)
        try c.encodeIfPresent(creatorInheritSettingsFromTemplate, forKey: .creatorInheritSettingsFromTemplate)
        if !participants.isEmpty { try c.encode(participants, forKey: .participants) }
    }
}

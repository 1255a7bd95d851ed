import Foundation

/// Everything the sandbox knows, as plain records. Persisted as one JSON file so a restart
/// of `hrbridge serve` or `hrbridge sandbox` loses no account, contract or pending delivery.
///
/// These records are the sandbox's own, deliberately separate from the `OneflowAPI` client
/// types: the sandbox renders Oneflow's documented JSON from them (`SandboxJSON`), so a
/// mistake in our client's types cannot hide itself by being mirrored here.
struct SandboxState: Codable, Sendable {
    var nextID: Int = 1000
    var accounts: [AccountRecord] = []
    var templateTypes: [TemplateTypeRecord] = []
    var templates: [TemplateRecord] = []
    var webhooks: [WebhookRecord] = []
    var contracts: [ContractRecord] = []
    var deliveries: [DeliveryRecord] = []

    mutating func allocateID() -> Int {
        nextID += 1
        return nextID
    }
}

struct AccountRecord: Codable, Sendable, Equatable {
    var id: Int
    var name: String
    /// Extension tokens minted for this account (each 40 characters); all are valid.
    var tokens: [String]
    /// `x-oneflow-user-email` must be an active one of them.
    var users: [UserRecord]
    var workspaces: [WorkspaceRecord]
    /// "The contract publishing feature is not available in the free plan": publish is 402
    /// without it. https://developer.oneflow.com/docs/publish-a-contract
    var canPublish: Bool
    var createdTime: Date
}

struct TemplateTypeRecord: Codable, Sendable, Equatable {
    var id: Int
    var accountID: Int
    var name: String
    var description: String
    var extensionType: String?
    var dataFields: [DataFieldRecord]
    var createdTime: Date
    var updatedTime: Date
}

struct DataFieldRecord: Codable, Sendable, Equatable {
    var id: Int
    var customID: String?
    var name: String
    var description: String
    var placeholder: String
    var value: String
    var createdTime: Date
    var updatedTime: Date
}

struct WebhookRecord: Codable, Sendable, Equatable {
    var id: Int
    var accountID: Int
    var callbackURL: String
    var signKey: String?
    var templateGroupID: Int?
    /// `[{filter_rules: [{type, values}]}]`, kept as sent.
    var filters: [FilterRecord]
    var createdTime: Date
}

struct FilterRecord: Codable, Sendable, Equatable {
    var rules: [RuleRecord]
}

struct RuleRecord: Codable, Sendable, Equatable {
    var type: String
    var values: [String]
}

struct ContractRecord: Codable, Sendable, Equatable {
    var id: Int
    var accountID: Int
    /// Nil for a contract made from a template in no template group: no group's webhooks fire.
    var templateTypeID: Int?
    var templateID: Int
    var workspaceID: Int
    var name: String
    /// draft, pending, overdue, signed, declined.
    var state: String
    var createdTime: Date
    var updatedTime: Date
    var stateUpdatedTime: Date
    var publishedTime: Date?
    var dataFields: [ContractFieldRecord]
    /// The owner side (`my_party`, a company) first, then the counterparties.
    var parties: [PartyRecord]
    /// Whom `x-oneflow-user-email: __CREATOR__` stands for; nil when made by the anonymous admin.
    var creatorEmail: String?
    /// awaiting, active, ended — meaningful once signed.
    var lifecycleState: String
    var lifecycleUpdatedTime: Date?
    var contractStartTime: Date?
    var contractEndTime: Date?
    var endedByTermination: Bool
    var canceled: Bool
    var events: [EventRecord]
    var files: [FileRecord]
}

struct ContractFieldRecord: Codable, Sendable, Equatable {
    var id: Int
    var customID: String?
    var name: String
    var value: String
    var updatedTime: Date
}

struct PartyRecord: Codable, Sendable, Equatable {
    var id: Int
    /// `company` or `individual`; an individual party has exactly one participant.
    var type: String
    var name: String
    var identificationNumber: String?
    var countryCode: String
    var myParty: Bool
    var participants: [ParticipantRecord]
}

struct ParticipantRecord: Codable, Sendable, Equatable {
    var id: Int
    var name: String
    var email: String
    var phoneNumber: String?
    var identificationNumber: String?
    var title: String?
    var signState: String
    var signStateUpdatedTime: Date?
    // Optional so that files written before contracts were created through the API still read.
    var signatory: Bool?
    var organizer: Bool?
    var canUpdate: Bool?
    var deliveryChannel: String?
    var signMethod: String?
    var twoStepMethod: String?
    /// not_sent until the contract is published; then per delivery channel.
    var deliveryStatus: String?

    var isSignatory: Bool { signatory ?? true }
}

struct EventRecord: Codable, Sendable, Equatable {
    var id: Int
    var type: String
    var createdTime: Date
}

struct FileRecord: Codable, Sendable, Equatable {
    var id: Int
    var name: String
    /// `contract` for the contract PDF.
    var type: String
}

/// One webhook notification and every attempt to deliver it.
struct DeliveryRecord: Codable, Sendable, Equatable {
    var id: Int
    var webhookID: Int
    var accountID: Int
    var callbackURL: String
    var callbackID: String
    var contractID: Int
    var events: [EventRecord]
    /// pending (more attempts to come), delivered (got 200), failed (10 attempts, no 200).
    var status: String
    var nextAttemptAt: Date?
    var attempts: [AttemptRecord]
    var createdTime: Date
}

struct AttemptRecord: Codable, Sendable, Equatable {
    var number: Int
    /// When the schedule said to try.
    var scheduledAt: Date
    /// When it was tried.
    var startedAt: Date
    /// HTTP status, or nil when there was no answer.
    var status: Int?
    var durationMilliseconds: Double
    var error: String?
}

import Foundation

// Reading `sandbox.json` files written by earlier versions, which had no templates,
// workspaces or users, and one owner and one employee per contract instead of a party list.
// A file that still cannot be read is set aside by `SandboxStore.init`, not overwritten.

extension SandboxState {
    enum CodingKeys: String, CodingKey { case nextID, accounts, templateTypes, templates, webhooks, contracts, deliveries }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nextID = try c.decode(Int.self, forKey: .nextID)
        accounts = try c.decode([AccountRecord].self, forKey: .accounts)
        templateTypes = try c.decode([TemplateTypeRecord].self, forKey: .templateTypes)
        templates = try c.decodeIfPresent([TemplateRecord].self, forKey: .templates) ?? []
        webhooks = try c.decode([WebhookRecord].self, forKey: .webhooks)
        contracts = try c.decode([ContractRecord].self, forKey: .contracts)
        deliveries = try c.decode([DeliveryRecord].self, forKey: .deliveries)
    }
}

extension AccountRecord {
    enum CodingKeys: String, CodingKey { case id, name, tokens, users, workspaces, canPublish, createdTime, userEmails }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        tokens = try c.decode([String].self, forKey: .tokens)
        createdTime = try c.decode(Date.self, forKey: .createdTime)
        workspaces = try c.decodeIfPresent([WorkspaceRecord].self, forKey: .workspaces) ?? []
        canPublish = try c.decodeIfPresent(Bool.self, forKey: .canPublish) ?? true
        if let users = try c.decodeIfPresent([UserRecord].self, forKey: .users) {
            self.users = users
        } else {
            let emails = try c.decodeIfPresent([String].self, forKey: .userEmails) ?? []
            // Ids are given when the store has the state to allocate them (`completeDirectories`).
            users = emails.map { UserRecord(id: 0, email: $0, name: "Sandbox Admin", role: "admin", active: true, grants: []) }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(users, forKey: .users)
        try c.encode(workspaces, forKey: .workspaces)
        try c.encode(canPublish, forKey: .canPublish)
        try c.encode(createdTime, forKey: .createdTime)
    }
}

extension ContractRecord {
    enum CodingKeys: String, CodingKey {
        case id, accountID, templateTypeID, templateID, workspaceID, name, state, createdTime, updatedTime, stateUpdatedTime
        case publishedTime, dataFields, parties, creatorEmail, lifecycleState, lifecycleUpdatedTime, contractStartTime
        case contractEndTime, endedByTermination, canceled, events, files
    }

    /// How a contract was stored before it had a party list.
    private enum LegacyKeys: String, CodingKey { case owner, ownerPartyID, employee, employeePartyID, companyName }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        (id, accountID) = (try c.decode(Int.self, forKey: .id), try c.decode(Int.self, forKey: .accountID))
        templateTypeID = try c.decodeIfPresent(Int.self, forKey: .templateTypeID)
        (templateID, workspaceID) = (try c.decode(Int.self, forKey: .templateID), try c.decode(Int.self, forKey: .workspaceID))
        (name, state) = (try c.decode(String.self, forKey: .name), try c.decode(String.self, forKey: .state))
        createdTime = try c.decode(Date.self, forKey: .createdTime)
        updatedTime = try c.decode(Date.self, forKey: .updatedTime)
        stateUpdatedTime = try c.decode(Date.self, forKey: .stateUpdatedTime)
        publishedTime = try c.decodeIfPresent(Date.self, forKey: .publishedTime)
        dataFields = try c.decode([ContractFieldRecord].self, forKey: .dataFields)
        creatorEmail = try c.decodeIfPresent(String.self, forKey: .creatorEmail)
        lifecycleState = try c.decode(String.self, forKey: .lifecycleState)
        lifecycleUpdatedTime = try c.decodeIfPresent(Date.self, forKey: .lifecycleUpdatedTime)
        contractStartTime = try c.decodeIfPresent(Date.self, forKey: .contractStartTime)
        contractEndTime = try c.decodeIfPresent(Date.self, forKey: .contractEndTime)
        endedByTermination = try c.decode(Bool.self, forKey: .endedByTermination)
        canceled = try c.decode(Bool.self, forKey: .canceled)
        events = try c.decode([EventRecord].self, forKey: .events)
        files = try c.decode([FileRecord].self, forKey: .files)
        if let parties = try c.decodeIfPresent([PartyRecord].self, forKey: .parties) {
            self.parties = parties
        } else {
            let legacy = try decoder.container(keyedBy: LegacyKeys.self)
            let employee = try legacy.decode(ParticipantRecord.self, forKey: .employee)
            // The admin organized those contracts, as the control API's contracts now have it:
            // the employee's signature completes them.
            var owner = try legacy.decode(ParticipantRecord.self, forKey: .owner)
            (owner.signatory, owner.organizer) = (owner.signatory ?? false, owner.organizer ?? true)
            parties = [
                PartyRecord(
                    id: try legacy.decode(Int.self, forKey: .ownerPartyID), type: "company",
                    name: try legacy.decode(String.self, forKey: .companyName), countryCode: "SE", myParty: true,
                    participants: [owner]),
                PartyRecord(
                    id: try legacy.decode(Int.self, forKey: .employeePartyID), type: "individual", name: employee.name,
                    countryCode: "SE", myParty: false, participants: [employee]),
            ]
        }
    }

    /// The owner side, `my_party`.
    var ownerParty: PartyRecord? { parties.first { $0.myParty } }
    /// The employee: the participant of the first counterparty.
    var employee: ParticipantRecord? { parties.first { !$0.myParty }?.participants.first }
    var allParticipants: [ParticipantRecord] { parties.flatMap(\.participants) }
}

extension ContractRecord {
    mutating func forEachParticipant(_ change: (inout ParticipantRecord) -> Void) {
        for party in parties.indices {
            for person in parties[party].participants.indices { change(&parties[party].participants[person]) }
        }
    }
}

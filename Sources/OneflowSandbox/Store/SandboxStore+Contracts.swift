import Foundation

/// The employee side of a new sandbox contract.
struct EmployeeInput: Codable, Sendable {
    var name: String
    var email: String
    var phone: String?
    var identificationNumber: String?
    var title: String?

    enum CodingKeys: String, CodingKey {
        case name, email, phone
        case identificationNumber = "identification_number"
        case title
    }
}

/// What can happen to a contract, each with the event type Oneflow sends for it.
/// https://developer.oneflow.com/docs/webhook-type
enum ContractAction: String, Sendable, CaseIterable {
    case publish, sign, decline, delete, expire, revive
    case lifecycleStart = "lifecycle_start"
    case lifecycleEnd = "lifecycle_end"
    case lifecycleTerminate = "lifecycle_terminate"
    case lifecycleCancel = "lifecycle_cancel"
}

extension SandboxStore {
    func contracts(accountID: Int) -> [ContractRecord] {
        state.contracts.filter { $0.accountID == accountID }.sorted { $0.id < $1.id }
    }

    func contract(accountID: Int, id: Int) throws(SandboxProblem) -> ContractRecord {
        guard let contract = state.contracts.first(where: { $0.id == id && $0.accountID == accountID }) else {
            throw .notFound("The contract")
        }
        return contract
    }

    /// A draft contract from the template group `templateTypeID`, for the control API and the
    /// contracts page: the group's template, the account's admin organizing the owner side, and the
    /// employee as an individual who signs with a standard e-signature, reached by email.
    func createContract(accountID: Int, templateTypeID: Int, employee: EmployeeInput, values: [String: String], name: String?) throws(SandboxProblem)
        -> ContractRecord
    {
        let type = try templateType(accountID: accountID, id: templateTypeID)
        let account = try account(id: accountID)
        guard !employee.name.isEmpty else { throw .invalid("employee.name", "Required.") }
        guard employee.email.contains("@") else { throw .invalid("employee.email", "Must be an email address.") }
        for (customID, value) in values {
            guard type.dataFields.contains(where: { $0.customID == customID }) else {
                throw .invalid("data_fields.\(customID)", "No such data field in the template type.")
            }
            guard value.count <= 1024 else { throw .invalid("data_fields.\(customID)", "Must be at most 1024 characters.") }
        }
        let template = try templateForGroup(accountID: accountID, typeID: templateTypeID)
        let workspace = account.workspace(template.workspaceID)
        let admin = account.users.first { $0.isAdmin && $0.active }
        // The admin joins as an organizer, as the creator does through the API: the employee's
        // signature completes the contract.
        let owner = ParticipantRecord(
            id: state.allocateID(), name: admin?.name ?? "Sandbox Admin", email: admin?.email ?? "",
            signState: "undecided", signatory: false, organizer: true, canUpdate: true,
            deliveryChannel: "email", deliveryStatus: "not_sent")
        let person = ParticipantRecord(
            id: state.allocateID(), name: employee.name, email: employee.email, phoneNumber: employee.phone,
            identificationNumber: employee.identificationNumber, title: employee.title, signState: "undecided",
            signatory: true, canUpdate: false, deliveryChannel: "email", signMethod: "standard_esign",
            deliveryStatus: "not_sent")
        let parties = [
            PartyRecord(
                id: state.allocateID(), type: "company", name: workspace?.companyName ?? account.name,
                identificationNumber: workspace?.registrationNumber, countryCode: "SE", myParty: true, participants: [owner]),
            PartyRecord(id: state.allocateID(), type: "individual", name: employee.name, countryCode: "SE", myParty: false, participants: [person]),
        ]
        let contract = makeContract(
            accountID: accountID, template: template, name: name ?? "Employment contract – \(employee.name)",
            values: values, parties: parties, creatorEmail: admin?.email)
        state.contracts.append(contract)
        persist()
        return contract
    }

    /// Applies `action`, records its events and queues their webhook notifications.
    @discardableResult
    func apply(_ action: ContractAction, accountID: Int, contractID: Int) throws(SandboxProblem) -> ContractRecord {
        if action == .publish { try Self.requirePublishing(try account(id: accountID)) }
        return try changeContract(accountID: accountID, id: contractID, removing: action == .delete) { (contract, time) throws(SandboxProblem) in
            try self.transition(&contract, action, at: time)
        }
    }

    /// The one way a contract changes: `change` returns the event types that happened; they are
    /// recorded on the contract and queued for its webhooks, and the state is saved.
    func changeContract(
        accountID: Int, id: Int, removing: Bool = false,
        _ change: (inout ContractRecord, Date) throws(SandboxProblem) -> [String]
    ) throws(SandboxProblem) -> ContractRecord {
        guard let index = state.contracts.firstIndex(where: { $0.id == id && $0.accountID == accountID }) else {
            throw .notFound("The contract")
        }
        var contract = state.contracts[index]
        let time = now()
        let types = try change(&contract, time)
        let events = types.map { EventRecord(id: state.allocateID(), type: $0, createdTime: time) }
        contract.events += events
        if !events.isEmpty { contract.updatedTime = time }
        if removing {
            state.contracts.remove(at: index)
        } else {
            state.contracts[index] = contract
        }
        enqueueDeliveries(for: contract, events: events)
        persist()
        return contract
    }

    /// Oneflow's state rules: publish a draft; sign or decline a pending (or overdue) contract;
    /// lifecycle changes only once signed. Returns the event types that happened.
    func transition(_ c: inout ContractRecord, _ action: ContractAction, at time: Date) throws(SandboxProblem) -> [String] {
        func require(_ states: Set<String>) throws(SandboxProblem) {
            guard states.contains(c.state) else {
                throw SandboxProblem(status: .conflict, detail: "Cannot \(action.rawValue) a contract in state \(c.state).")
            }
        }
        func setState(_ state: String) { (c.state, c.stateUpdatedTime) = (state, time) }
        switch action {
        case .publish:
            try require(["draft"])
            setState("pending")
            c.publishedTime = time
            // Invitations go out by each participant's channel; `none` and `same_device` send nothing.
            c.forEachParticipant { $0.deliveryStatus = ["none", "same_device"].contains($0.deliveryChannel ?? "email") ? "not_sent" : "success" }
            return ["contract:publish"]
        case .sign:
            try require(["pending", "overdue"])
            c.forEachParticipant { p in
                if p.isSignatory, p.signState == "undecided" { (p.signState, p.signStateUpdatedTime) = ("signed", time) }
            }
            return Self.signed(&c, at: time)
        case .decline:
            try require(["pending", "overdue"])
            setState("declined")
            let employeeID = c.employee?.id
            c.forEachParticipant { p in
                if p.id == employeeID { (p.signState, p.signStateUpdatedTime) = ("declined", time) }
            }
            return ["contract:decline"]
        case .delete:
            return ["contract:delete"]
        case .expire:
            try require(["pending"])
            setState("overdue")
            return ["contract:signing_period_expire"]
        case .revive:
            try require(["overdue"])
            setState("pending")
            return ["contract:signing_period_revive"]
        case .lifecycleStart, .lifecycleEnd, .lifecycleTerminate, .lifecycleCancel:
            try require(["signed"])
            c.lifecycleUpdatedTime = time
            switch action {
            case .lifecycleStart:
                c.lifecycleState = "active"
                return ["contract:lifecycle_state:start"]
            case .lifecycleEnd:
                (c.lifecycleState, c.contractEndTime) = ("ended", time)
                return ["contract:lifecycle_state:end"]
            case .lifecycleTerminate:
                (c.lifecycleState, c.contractEndTime, c.endedByTermination) = ("ended", time, true)
                return ["contract:lifecycle_state:terminate"]
            default:
                (c.canceled, c.contractEndTime) = (true, time)
                return ["contract:lifecycle_state:cancel"]
            }
        }
    }

    /// The contract is signed: its lifecycle starts at the `start_date` data field, or now.
    static func signed(_ c: inout ContractRecord, at time: Date) -> [String] {
        (c.state, c.stateUpdatedTime) = ("signed", time)
        c.contractStartTime = c.dataFields.first { $0.customID == "start_date" }.flatMap { day($0.value) } ?? time
        c.lifecycleUpdatedTime = time
        if let start = c.contractStartTime, start <= time {
            c.lifecycleState = "active"
            return ["contract:sign", "contract:lifecycle_state:start"]
        }
        c.lifecycleState = "awaiting"
        return ["contract:sign"]
    }

    /// `YYYY-MM-DD` → midnight UTC.
    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }
}

import Foundation

/// The employee side of a new sandbox contract.
struct EmployeeInput: Codable, Sendable {
    var name: String
    var email: String
    var phone: String?
    var identificationNumber: String?
    var title: String?

    enum CodingKeys: String, CodingKey {
        case name, email, phone, identificationNumber = "identification_number", title
    }
}

/// What can happen to a contract, each with the event type Oneflow sends for it.
/// https://developer.oneflow.com/docs/webhook-type
enum ContractAction: String, Sendable, CaseIterable {
    case publish, sign, decline, delete, expire, revive
    case lifecycleStart = "lifecycle_start", lifecycleEnd = "lifecycle_end"
    case lifecycleTerminate = "lifecycle_terminate", lifecycleCancel = "lifecycle_cancel"
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

    /// A draft contract from a template of `templateTypeID`, like `POST /v1/contracts/create`.
    func createContract(accountID: Int, templateTypeID: Int, employee: EmployeeInput, values: [String: String], name: String?) throws(SandboxProblem) -> ContractRecord {
        let type = try templateType(accountID: accountID, id: templateTypeID)
        guard let account = state.accounts.first(where: { $0.id == accountID }) else { throw .notFound("The account") }
        guard !employee.name.isEmpty else { throw .invalid("employee.name", "Required.") }
        guard employee.email.contains("@") else { throw .invalid("employee.email", "Must be an email address.") }
        for (customID, value) in values {
            guard type.dataFields.contains(where: { $0.customID == customID }) else {
                throw .invalid("data_fields.\(customID)", "No such data field in the template type.")
            }
            guard value.count <= 1024 else { throw .invalid("data_fields.\(customID)", "Must be at most 1024 characters.") }
        }
        let time = now()
        let fields = type.dataFields.map {
            ContractFieldRecord(id: state.allocateID(), customID: $0.customID, name: $0.name, value: $0.customID.flatMap { values[$0] } ?? $0.value, updatedTime: time)
        }
        let owner = ParticipantRecord(id: state.allocateID(), name: "Sandbox Admin", email: account.userEmails[0], signState: "undecided")
        let person = ParticipantRecord(id: state.allocateID(), name: employee.name, email: employee.email, phoneNumber: employee.phone,
                                       identificationNumber: employee.identificationNumber, title: employee.title, signState: "undecided")
        let contract = ContractRecord(
            id: state.allocateID(), accountID: accountID, templateTypeID: type.id, templateID: type.id * 10 + 1, workspaceID: accountID * 10 + 1,
            name: name ?? "Employment contract – \(employee.name)", state: "draft", createdTime: time, updatedTime: time,
            stateUpdatedTime: time, publishedTime: nil, dataFields: fields, owner: owner, ownerPartyID: state.allocateID(),
            employee: person, employeePartyID: state.allocateID(), companyName: account.name, lifecycleState: "awaiting",
            lifecycleUpdatedTime: nil, contractStartTime: nil, contractEndTime: nil, endedByTermination: false, canceled: false,
            events: [], files: [FileRecord(id: state.allocateID(), name: "contract", type: "contract")]
        )
        state.contracts.append(contract)
        persist()
        return contract
    }

    /// Applies `action`, records its events and queues their webhook notifications.
    @discardableResult
    func apply(_ action: ContractAction, accountID: Int, contractID: Int) throws(SandboxProblem) -> ContractRecord {
        guard let index = state.contracts.firstIndex(where: { $0.id == contractID && $0.accountID == accountID }) else {
            throw .notFound("The contract")
        }
        var contract = state.contracts[index]
        let time = now()
        let types = try transition(&contract, action, at: time)
        let events = types.map { EventRecord(id: state.allocateID(), type: $0, createdTime: time) }
        contract.events += events
        contract.updatedTime = time
        if action == .delete {
            state.contracts.remove(at: index)
        } else {
            state.contracts[index] = contract
        }
        enqueueDeliveries(for: contract, events: events)
        persist()
        return contract
    }

    /// Sets data-field values (`PUT /v1/contracts/{id}/data_fields`): a `data_field:update` event.
    func updateDataFields(accountID: Int, contractID: Int, values: [String: String]) throws(SandboxProblem) -> ContractRecord {
        guard let index = state.contracts.firstIndex(where: { $0.id == contractID && $0.accountID == accountID }) else {
            throw .notFound("The contract")
        }
        guard ["draft", "pending", "overdue"].contains(state.contracts[index].state) else {
            throw SandboxProblem(status: .conflict, detail: "Data fields of a \(state.contracts[index].state) contract cannot be changed.")
        }
        let time = now()
        for (customID, value) in values {
            guard let field = state.contracts[index].dataFields.firstIndex(where: { $0.customID == customID }) else {
                throw .invalid("data_fields.\(customID)", "No such data field in the contract.")
            }
            guard value.count <= 1024 else { throw .invalid("data_fields.\(customID)", "Must be at most 1024 characters.") }
            state.contracts[index].dataFields[field].value = value
            state.contracts[index].dataFields[field].updatedTime = time
        }
        let event = EventRecord(id: state.allocateID(), type: "data_field:update", createdTime: time)
        state.contracts[index].events.append(event)
        state.contracts[index].updatedTime = time
        enqueueDeliveries(for: state.contracts[index], events: [event])
        persist()
        return state.contracts[index]
    }

    /// Oneflow's state rules: publish a draft; sign or decline a pending (or overdue) contract;
    /// lifecycle changes only once signed. Returns the event types that happened.
    private func transition(_ c: inout ContractRecord, _ action: ContractAction, at time: Date) throws(SandboxProblem) -> [String] {
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
            return ["contract:publish"]
        case .sign:
            try require(["pending", "overdue"])
            setState("signed")
            for p in [\ContractRecord.owner, \ContractRecord.employee] { (c[keyPath: p].signState, c[keyPath: p].signStateUpdatedTime) = ("signed", time) }
            c.contractStartTime = c.dataFields.first { $0.customID == "start_date" }.flatMap { Self.day($0.value) } ?? time
            c.lifecycleUpdatedTime = time
            if let start = c.contractStartTime, start <= time {
                c.lifecycleState = "active"
                return ["contract:sign", "contract:lifecycle_state:start"]
            }
            c.lifecycleState = "awaiting"
            return ["contract:sign"]
        case .decline:
            try require(["pending", "overdue"])
            setState("declined")
            (c.employee.signState, c.employee.signStateUpdatedTime) = ("declined", time)
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
            case .lifecycleStart: c.lifecycleState = "active"; return ["contract:lifecycle_state:start"]
            case .lifecycleEnd: (c.lifecycleState, c.contractEndTime) = ("ended", time); return ["contract:lifecycle_state:end"]
            case .lifecycleTerminate:
                (c.lifecycleState, c.contractEndTime, c.endedByTermination) = ("ended", time, true)
                return ["contract:lifecycle_state:terminate"]
            default: (c.canceled, c.contractEndTime) = (true, time); return ["contract:lifecycle_state:cancel"]
            }
        }
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

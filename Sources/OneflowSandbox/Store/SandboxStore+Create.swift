import Foundation

/// The body of `POST /v1/contracts/create` as the sandbox reads it: every field optional, so
/// that what is missing is answered with Oneflow's 400 naming the parameter.
/// https://developer.oneflow.com/reference/create-a-contract; shape: shared/oneflow-contract-creation.md §4.
struct CreateContractBody: Decodable, Sendable {
    struct FieldValue: Decodable, Sendable {
        var custom_id: String?
        var value: String?
    }
    struct Person: Decodable, Sendable {
        var name: String?, email: String?, phone_number: String?, identification_number: String?, title: String?
        var signatory: Bool?, organizer: Bool?
        var delivery_channel: String?, sign_method: String?, two_step_authentication_method: String?
        var _permissions: [String: Bool]?
    }
    struct OwnerParty: Decodable, Sendable {
        var type: String?, name: String?, identification_number: String?, country_code: String?
        var creator_inherit_settings_from_template: Bool?
        var participants: [Person]?
    }
    struct Counterparty: Decodable, Sendable {
        var type: String?, name: String?, identification_number: String?, country_code: String?
        var participant: Person?
        var participants: [Person]?
    }
    var workspace_id: Int?
    var template_id: Int?
    var name: String?
    var folder_id: Int?
    var data_fields: [FieldValue]?
    var my_party: OwnerParty?
    var parties: [Counterparty]?
}

extension SandboxStore {
    /// `POST /v1/contracts/create` with Oneflow's checks, in the order a caller can act on them:
    /// who acts, where, from which template, the data fields of the template's type, then the
    /// parties and what each participant's delivery channel and sign method need.
    func createContract(account: AccountRecord, actingUser user: UserRecord, _ body: CreateContractBody) throws(SandboxProblem) -> ContractRecord {
        guard let workspaceID = body.workspace_id else { throw .invalid("workspace_id", "Required.") }
        guard let templateID = body.template_id else { throw .invalid("template_id", "Required.") }
        guard let workspace = account.workspace(workspaceID) else { throw .notFound("The workspace \(workspaceID)") }
        guard user.grant(workspaceID)?.canCreate == true else {
            throw SandboxProblem(status: .forbidden, detail: "The user is not allowed to create contracts in workspace \(workspaceID).")
        }
        let template = try self.template(accountID: account.id, id: templateID)
        guard template.workspaceID == workspaceID else { throw .invalid("template_id", "The template does not belong to workspace \(workspaceID).") }
        guard template.active else { throw .invalid("template_id", "The template is not active.") }
        if let name = body.name, name.count > 130 { throw .invalid("name", "Must be at most 130 characters.") }
        let values = try checkedValues(body.data_fields ?? [], template: template)

        let owner = try ownerParty(body.my_party, account: account, creator: user, workspace: workspace, template: template)
        let others = body.parties ?? []
        guard others.count <= 40 else { throw .invalid("parties", "Must contain at most 40 parties.") }
        var parties = [owner]
        for (index, party) in others.enumerated() {
            parties.append(try counterparty(party, at: "parties[\(index)]", template: template))
        }
        guard parties.flatMap(\.participants).count <= 40 else { throw .invalid("parties", "A contract has at most 40 participants.") }
        let contract = makeContract(
            accountID: account.id, template: template, name: body.name ?? template.name, values: values,
            parties: parties, creatorEmail: user.email)
        state.contracts.append(contract)
        persist()
        return contract
    }

    /// Only data fields of the template's template type, by `custom_id`, each once.
    /// https://developer.oneflow.com/docs/create-a-contract-with-data-fields
    private func checkedValues(_ items: [CreateContractBody.FieldValue], template: TemplateRecord) throws(SandboxProblem) -> [String: String] {
        let known = Set(
            (template.templateTypeID.flatMap { id in state.templateTypes.first { $0.id == id } }?.dataFields ?? []).compactMap(\.customID))
        var values: [String: String] = [:]
        for (index, item) in items.enumerated() {
            let name = "data_fields[\(index)]"
            guard let customID = item.custom_id, !customID.isEmpty else { throw .invalid("\(name).custom_id", "Required.") }
            guard known.contains(customID) else {
                throw .invalid(
                    "\(name).custom_id",
                    template.templateTypeID == nil
                        ? "The template is in no template group, so it has no data fields."
                        : "No data field with custom id \(customID) in the template's template group.")
            }
            guard values[customID] == nil else { throw .invalid("\(name).custom_id", "Given more than once.") }
            let value = item.value ?? ""
            guard value.count <= 1024 else { throw .invalid("\(name).value", "Must be at most 1024 characters.") }
            values[customID] = value
        }
        return values
    }

    /// The owner side is always a company; without `my_party` the creator is its participant.
    /// https://developer.oneflow.com/docs/create-a-contract-with-an-owner-side-party
    private func ownerParty(
        _ body: CreateContractBody.OwnerParty?, account: AccountRecord, creator: UserRecord,
        workspace: WorkspaceRecord, template: TemplateRecord
    ) throws(SandboxProblem) -> PartyRecord {
        if let type = body?.type, type != "company" { throw .invalid("my_party.type", "The owner side must be a company.") }
        var people: [ParticipantRecord] = []
        if let given = body?.participants {
            guard (1...29).contains(given.count) else { throw .invalid("my_party.participants", "Must contain 1 to 29 participants.") }
            for (index, person) in given.enumerated() {
                let at = "my_party.participants[\(index)]"
                guard let email = person.email, let user = account.user(email: email) else {
                    throw .invalid("\(at).email", "Must be the email of an active user in the account.")
                }
                var record = try participant(person, at: at, template: template, defaultName: user.name, ownerSide: true)
                record.email = user.email
                people.append(record)
            }
        }
        if !people.contains(where: { $0.email == creator.email }) {
            // "The person who creates the contract is automatically included" — as an organizer
            // here, since templates' own role for the creator is not documented.
            people.insert(
                ParticipantRecord(
                    id: state.allocateID(), name: creator.name, email: creator.email, title: creator.title,
                    signState: "undecided", signatory: false, organizer: true, canUpdate: true,
                    deliveryChannel: "email", signMethod: nil, deliveryStatus: "not_sent"), at: 0)
        }
        if let name = body?.name, !(1...100).contains(name.count) { throw .invalid("my_party.name", "Must be 1–100 characters.") }
        return PartyRecord(
            id: state.allocateID(), type: "company", name: body?.name ?? workspace.companyName,
            identificationNumber: body?.identification_number ?? workspace.registrationNumber,
            countryCode: body?.country_code ?? workspace.countryCode, myParty: true, participants: people)
    }

    /// An individual carries one `participant`; a company a `name` and `participants`.
    /// https://developer.oneflow.com/docs/create-a-contract-with-counterparties, §4.3 of the notes.
    private func counterparty(_ body: CreateContractBody.Counterparty, at: String, template: TemplateRecord) throws(SandboxProblem) -> PartyRecord {
        if let number = body.identification_number, number.count > 25 {
            throw .invalid("\(at).identification_number", "Must be at most 25 characters.")
        }
        switch body.type {
        case "individual":
            guard body.participants == nil else {
                throw .invalid("\(at).participants", "An individual party has a single participant: send it as participant.")
            }
            guard let person = body.participant else { throw .invalid("\(at).participant", "Required for an individual party.") }
            let record = try participant(person, at: "\(at).participant", template: template, defaultName: nil, ownerSide: false)
            return PartyRecord(
                id: state.allocateID(), type: "individual", name: record.name, identificationNumber: nil,
                countryCode: body.country_code ?? "SE", myParty: false, participants: [record])
        case "company":
            guard let name = body.name, (1...100).contains(name.count) else { throw .invalid("\(at).name", "Required, 1–100 characters.") }
            guard let people = body.participants, !people.isEmpty else {
                throw .invalid("\(at).participants", "A company party needs at least one participant.")
            }
            var records: [ParticipantRecord] = []
            for (index, person) in people.enumerated() {
                records.append(try participant(person, at: "\(at).participants[\(index)]", template: template, defaultName: nil, ownerSide: false))
            }
            return PartyRecord(
                id: state.allocateID(), type: "company", name: name, identificationNumber: body.identification_number,
                countryCode: body.country_code ?? "SE", myParty: false, participants: records)
        case nil: throw .invalid("\(at).type", "Required: company or individual.")
        case let other?: throw .invalid("\(at).type", "Must be company or individual, not \(other).")
        }
    }
}

import Foundation

extension SandboxStore {
    /// A participant as Oneflow checks one: a name; a delivery channel (a sign method for a
    /// signatory, a two-step method if any) among the template's options; and what each of
    /// those needs — an email for email delivery, a phone for SMS, an identification number for
    /// e-ID. https://developer.oneflow.com/reference/create-a-party, https://support.oneflow.com/hc/en-se/articles/38757124562065
    func participant(
        _ p: CreateContractBody.Person, at: String, template: TemplateRecord, defaultName: String?,
        ownerSide: Bool
    ) throws(SandboxProblem) -> ParticipantRecord {
        let name = (p.name ?? defaultName ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw .invalid("\(at).name", "Required, 1–100 characters.") }
        func option(_ value: String?, _ field: String, _ options: [OptionRecord], what: String) throws(SandboxProblem) -> OptionRecord? {
            guard let value else { return nil }
            guard let option = options.first(where: { $0.name == value }) else {
                throw .invalid("\(at).\(field)", "Must be one of the template's \(what): \(options.map(\.name).joined(separator: ", ")).")
            }
            return option
        }
        // Owner-side participants are users reached by email unless told otherwise.
        guard let channelName = p.delivery_channel ?? (ownerSide ? "email" : nil) else { throw .invalid("\(at).delivery_channel", "Required.") }
        let channel = try option(channelName, "delivery_channel", template.deliveryChannels, what: "delivery channels")
        let signatory = p.signatory ?? false
        // Roles (https://developer.oneflow.com/docs/other-important-changes): an organizer is
        // owner-side and does not sign.
        if p.organizer == true, !ownerSide { throw .invalid("\(at).organizer", "Only owner-side participants can be organizers.") }
        if p.organizer == true, signatory { throw .invalid("\(at).organizer", "An organizer cannot be a signatory.") }
        if signatory, p.sign_method == nil { throw .invalid("\(at).sign_method", "Required for a signatory.") }
        let sign = try option(p.sign_method, "sign_method", template.signMethods, what: "sign methods")
        let twoStep = try option(
            p.two_step_authentication_method, "two_step_authentication_method", template.twoStepMethods,
            what: "two-step authentication methods")
        let values = ["email": p.email, "phone_number": p.phone_number, "identification_number": p.identification_number]
        for (chosen, kind) in [(channel, "delivery channel"), (signatory ? sign : nil, "sign method"), (twoStep, "two-step authentication method")] {
            guard let chosen else { continue }
            for attribute in chosen.requiredAttributes where (values[attribute] ?? nil)?.isEmpty ?? true {
                throw .invalid("\(at).\(attribute)", "Required by the \(kind) \(chosen.name).")
            }
        }
        if let email = p.email, !email.isEmpty, !(email.contains("@") && email.count <= 255) {
            throw .invalid("\(at).email", "Must be an email address.")
        }
        if let phone = p.phone_number, !phone.isEmpty, !Self.isE164(phone) {
            throw .invalid("\(at).phone_number", "Must be a phone number in international format, e.g. +46701234567.")
        }
        if let number = p.identification_number, number.count > 25 { throw .invalid("\(at).identification_number", "Must be at most 25 characters.") }
        if let title = p.title, title.count > 100 { throw .invalid("\(at).title", "Must be at most 100 characters.") }
        return ParticipantRecord(
            id: state.allocateID(), name: name, email: p.email ?? "", phoneNumber: p.phone_number, identificationNumber: p.identification_number,
            title: p.title, signState: "undecided", signatory: signatory, organizer: ownerSide ? (p.organizer ?? false) : false,
            canUpdate: p._permissions?["contract:update"] ?? signatory, deliveryChannel: channel?.name, signMethod: sign?.name,
            twoStepMethod: twoStep?.name, deliveryStatus: "not_sent")
    }

    /// `+` and 7–15 digits, the first not 0 (E.164, as Oneflow's examples write numbers).
    static func isE164(_ text: String) -> Bool {
        let digits = text.dropFirst()
        return text.first == "+" && (7...15).contains(digits.count) && digits.allSatisfy(\.isASCIIDigit) && digits.first != "0"
    }

    /// A new draft from `template`: every data field of its type, `values` filled in.
    func makeContract(
        accountID: Int, template: TemplateRecord, name: String, values: [String: String],
        parties: [PartyRecord], creatorEmail: String?
    ) -> ContractRecord {
        let time = now()
        let type = template.templateTypeID.flatMap { id in state.templateTypes.first { $0.id == id } }
        let fields = (type?.dataFields ?? []).map {
            ContractFieldRecord(
                id: state.allocateID(), customID: $0.customID, name: $0.name,
                value: $0.customID.flatMap { values[$0] } ?? $0.value, updatedTime: time)
        }
        return ContractRecord(
            id: state.allocateID(), accountID: accountID, templateTypeID: template.templateTypeID, templateID: template.id,
            workspaceID: template.workspaceID, name: name, state: "draft", createdTime: time, updatedTime: time, stateUpdatedTime: time,
            publishedTime: nil, dataFields: fields, parties: parties, creatorEmail: creatorEmail, lifecycleState: "awaiting",
            lifecycleUpdatedTime: nil, contractStartTime: nil, contractEndTime: nil, endedByTermination: false, canceled: false,
            events: [], files: [FileRecord(id: state.allocateID(), name: "contract", type: "contract")])
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

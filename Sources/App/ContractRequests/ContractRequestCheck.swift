import Foundation
import OneflowAPI

/// Checks a contract request before anything is sent to Oneflow, and resolves its defaults
/// (template, options, subject and message). Pure: the same input, employee and catalog
/// always give the same plan or the same problems. Every problem is reported at once, named
/// by the field an HR admin would correct.
///
/// What Oneflow would refuse later is refused here: a template outside our group, an option
/// the template does not offer, a participant without what the chosen delivery channel or
/// sign method needs (`AvailableOptions.problems`), a data field we require
/// (`extension.data_field.<id>.required`) left empty.
/// `shared/oneflow-contract-creation.md` §4.3, §10.
struct ContractRequestCheck {
    /// The employee a request names, as stored (its personal number opened).
    struct Employee: Sendable {
        var id: UUID
        var name: String?
        var email: String?
        var phone: String?
        var title: String?
        var personalNumber: String?
        var fields: [String: String]
    }

    let config: AppConfig
    let catalog: SendingCatalog
    /// The customer's company, for `{company}`: the Oneflow account's name.
    let company: String

    func plan(_ input: ContractRequestInput, employee: Employee?) -> Result<(ContractRequestPlan, personalNumber: String?), ContractRequestError> {
        var problems: [ContractRequestProblem] = []
        func problem(_ field: String, _ message: String) { problems.append(ContractRequestProblem(field: field, message: message)) }
        // PostgreSQL stores no NUL in text, and no person types one: refused, not a server error.
        if input.containsNUL {
            return .failure(.invalid([ContractRequestProblem(field: "body", message: "Text may not contain the NUL character (U+0000).")]))
        }

        // Who signs.
        let signer: ContractRequestPlan.Signer
        let personalNumber: String?
        let who: String  // how problems name the signer's fields
        switch (input.employee_id, input.person, employee) {
        case (_?, _?, _):
            problem("person", "Give either employee_id (an employee in HR Bridge) or person (a new hire), not both.")
            return .failure(.invalid(problems))
        case (nil, nil, _):
            problem("employee_id", "Give employee_id (an employee in HR Bridge) or person (a new hire).")
            return .failure(.invalid(problems))
        case (_?, nil, nil):
            problem("employee_id", "No such employee in this installation.")
            return .failure(.invalid(problems))
        case (_?, nil, let e?):
            who = "employee"
            // An HR record's phone may be written for people ("+46 70 123 45 67"): sent in
            // Oneflow's form, or not at all when it cannot be (a channel that needs it says so).
            let phone = e.phone.map(Self.compactPhone).flatMap { Self.isE164($0) ? $0 : nil }
            signer = .init(name: e.name ?? "", email: e.email, phone: phone, title: e.title)
            personalNumber = e.personalNumber
            if signer.name.isEmpty { problem("employee.name", "The employee has no name; a contract needs the signer's name.") }
        case (nil, let p?, _):
            who = "person"
            signer = .init(
                name: clean(p.name) ?? "", email: clean(p.email)?.lowercased(), phone: clean(p.phone).map(Self.compactPhone), title: clean(p.title))
            personalNumber = clean(p.personal_number)
            checkPerson(signer, personalNumber: personalNumber, problem)
        }

        // From which template, in which workspace.
        let offer: SendingCatalog.Offer?
        if let id = input.template_id {
            offer = catalog.offer(templateID: id)
            if offer == nil {
                problem(
                    "template_id",
                    "Template \(id) is not an active template of the \(config.extensionSettings.templateGroupName) template group "
                        + "in a workspace the sender (\(catalog.sender.email)) may create contracts in.")
            }
        } else {
            offer = catalog.defaultOffer
            if offer == nil {
                problem(
                    "template_id",
                    "No template of the \(config.extensionSettings.templateGroupName) template group is active in Oneflow for the sender "
                        + "(\(catalog.sender.email)): make one in Oneflow (a template in that group) and try again.")
            }
        }
        if let offer, let workspace = input.workspace_id, workspace != offer.workspaceID {
            problem("workspace_id", "Template \(offer.template.id) belongs to workspace \(offer.workspaceID), not \(workspace).")
        }

        // The HR fields, and the data fields they fill.
        let hrFields = mergedFields(employee: employee, input: input, problem)
        let dataFields = self.dataFields(hrFields)
        for spec in catalog.fieldSet.specs where spec.required && catalog.hasField(spec.customID) {
            guard (dataFields[spec.customID] ?? "").isEmpty else { continue }
            problem("fields.\(hrName(of: spec.customID))", "\(spec.name) is required.")
        }

        // How it is delivered and signed: the template's options, and what each needs.
        let options = offer?.options ?? AvailableOptions()
        let saved = catalog.settings
        let participant = ParticipantInput(
            name: signer.name, email: signer.email, phoneNumber: signer.phone, identificationNumber: personalNumber, title: signer.title,
            deliveryChannel: input.delivery_channel ?? fallback(saved?.deliveryChannel, options.deliveryChannels),
            signMethod: input.sign_method ?? fallback(saved?.signMethod, options.signMethods),
            twoStepAuthenticationMethod: input.two_step_authentication_method
                ?? fallback(saved?.twoStepAuthenticationMethod, options.twoStepAuthenticationMethods))
        if offer != nil {
            for (attribute, message) in options.problems(for: participant).sorted(by: { $0.key < $1.key }) {
                problem(Self.field(for: attribute, who: who), Self.words(attribute: attribute, message, who: who))
            }
        }

        // A colleague on our side must be a user of the account; the sender is there already.
        var manager: (email: String, name: String)?
        if let email = clean(input.manager_email), email.caseInsensitiveCompare(catalog.sender.email) != .orderedSame {
            manager = catalog.user(email)
            if manager == nil {
                problem(
                    "manager_email", "Not an active user of the Oneflow account: a colleague on our side of the contract must have a Oneflow user.")
            }
        }

        let name = clean(input.name) ?? "Employment contract – \(signer.name)"
        if name.count > 130 { problem("name", "At most 130 characters.") }
        let subject =
            clean(input.subject)
            ?? ContractRequestPlan.fill(saved?.subject ?? config.sending.subject, signer: signer, hrFields: hrFields, company: company)
        let message =
            clean(input.message)
            ?? ContractRequestPlan.fill(saved?.message ?? config.sending.message, signer: signer, hrFields: hrFields, company: company)
        if subject.count > 255 { problem("subject", "At most 255 characters.") }
        if message.count > 10_000 { problem("message", "At most 10000 characters.") }

        guard problems.isEmpty, let offer else { return .failure(.invalid(problems)) }
        return .success(
            (
                ContractRequestPlan(
                    employeeID: employee?.id, signer: signer, hrFields: hrFields, dataFields: dataFields, workspaceID: offer.workspaceID,
                    templateID: offer.template.id, workspaceName: offer.workspaceName, templateName: offer.template.name, name: name,
                    deliveryChannel: participant.deliveryChannel, signMethod: participant.signMethod,
                    twoStepAuthenticationMethod: participant.twoStepAuthenticationMethod, subject: subject, message: message,
                    send: input.send ?? false, senderEmail: catalog.sender.email, senderName: catalog.sender.name,
                    managerEmail: manager?.email, managerName: manager?.name),
                personalNumber
            ))
    }

    private func checkPerson(_ s: ContractRequestPlan.Signer, personalNumber: String?, _ problem: (String, String) -> Void) {
        if s.name.isEmpty {
            problem("person.name", "Required: the new hire's full name.")
        } else if s.name.count > 100 {
            problem("person.name", "At most 100 characters.")
        }
        if let email = s.email, !Self.looksLikeEmail(email) { problem("person.email", "Not an email address.") }
        if let phone = s.phone, !Self.isE164(phone) {
            problem("person.phone", "Not a phone number in international form, such as +46701234567.")
        }
        if let number = personalNumber, number.count > 25 { problem("person.personal_number", "At most 25 characters.") }
        if let title = s.title, title.count > 100 { problem("person.title", "At most 100 characters.") }
    }

    /// The employee's HR fields, then the request's: each a field some data field maps to, in its format.
    private func mergedFields(employee: Employee?, input: ContractRequestInput, _ problem: (String, String) -> Void) -> [String: String] {
        let mapped = catalog.fieldSet.mapping.hrKeys
        var fields = (employee?.fields ?? [:]).filter { mapped.contains($0.key) }
        for key in (input.fields ?? [:]).keys.sorted() {
            let value = input.fields![key]!.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard mapped.contains(key) else {
                problem("fields.\(key)", "Not a field the contract fills; known fields: \(mapped.sorted().joined(separator: ", ")).")
                continue
            }
            if value.count > 1024 { problem("fields.\(key)", "At most 1024 characters.") }
            if !value.isEmpty, let spec = spec(forHRField: key), let wrong = Self.formatProblem(value, spec.format) {
                problem("fields.\(key)", wrong)
            }
            fields[key] = value.isEmpty ? nil : value
        }
        return fields
    }

    /// The reverse of the installation's mapping, for the data fields our group has.
    private func dataFields(_ hrFields: [String: String]) -> [String: String] {
        var values: [String: String] = [:]
        for (field, key) in catalog.fillable {
            if let value = hrFields[key] { values[field.customID] = value }
        }
        return values
    }

    private func spec(forHRField key: String) -> AppConfig.DataFieldSpec? { catalog.fieldSet.field(mappedTo: key)?.spec }

    private func hrName(of customID: String) -> String { catalog.fieldSet.field(customID)?.mapsTo ?? customID }

    /// The saved default while the template offers it, else the template's preferred option.
    private func fallback(_ saved: String?, _ options: [AvailableOptions.Option]) -> String? {
        if let saved, options.contains(where: { $0.name == saved }) { return saved }
        return (options.first { $0.preferred == true } ?? options.first)?.name
    }

    private func clean(_ text: String?) -> String? { text?.nonEmpty }
}

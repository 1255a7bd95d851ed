import Foundation
import OneflowAPI

/// What `admin/new-contract.leaf` shows: the form's inputs with their values and problems,
/// the installation's templates and the chosen one's options, and the preview.
struct NewContractPage: Encodable {
    struct Input: Encodable {
        var name: String
        var id: String
        var label: String
        var value: String
        var type: String
        var required: Bool
        var hint: String
        var problem: String?
    }

    struct EmployeeRef: Encodable {
        var id: String
        var name: String
        var email: String
    }

    var title = "New hire"
    var frame: AdminFrame
    var installationID: String
    var installations: [AdminOption] = []
    var employee: EmployeeRef?
    var person: [Input] = []
    var templates: [FormChoice] = []
    var fields: [Input] = []
    var deliveryChannels: [FormChoice] = []
    var signMethods: [FormChoice] = []
    var twoStepMethods: [FormChoice] = []
    var choiceProblems: [FieldProblem] = []
    /// Who may join our side (the account's users but the sender), and its problem.
    var managers: [FormChoice] = []
    var managerProblem: String?
    var name: Input
    var subject: Input
    var message: Input
    /// Problems no input shows (the template, who signs).
    var otherProblems: [FieldProblem] = []
    var sender = ""
    var ready = false
    var idempotencyKey: String
    var preview: Preview?
    var error: String?

    init(frame: AdminFrame, form: NewContractForm, problems: [FieldProblem]) {
        self.frame = frame
        installationID = form.installation_id ?? ""
        idempotencyKey = form.idempotency_key ?? UUID().uuidString
        var unshown = problems
        func problem(_ field: String) -> String? {
            guard let index = unshown.firstIndex(where: { $0.field == field }) else { return nil }
            return unshown.remove(at: index).message
        }
        func input(
            _ name: String, _ field: String, _ label: String, _ value: String?, type: String = "text", required: Bool = false, hint: String = ""
        )
            -> Input
        {
            Input(name: name, id: name, label: label, value: value ?? "", type: type, required: required, hint: hint, problem: problem(field))
        }
        if form.employeeID == nil {
            person = [
                input("person_name", "person.name", "Full name", form.person_name, required: true),
                input(
                    "person_email", "person.email", "Email", form.person_email, type: "email", hint: "Where the invitation goes (delivery by email)."),
                input("person_phone", "person.phone", "Mobile phone", form.person_phone, hint: "International form, e.g. +46701234567."),
                input(
                    "person_personal_number", "person.personal_number", "Personal number", form.person_personal_number,
                    hint: "Only for e-ID signing (BankID …); stored encrypted."),
                input("person_title", "person.title", "Job title", form.person_title),
            ]
        }
        name = input("name", "name", "Contract name", form.name, hint: "Default: Employment contract – <name>.")
        subject = input("subject", "subject", "Invitation subject", form.subject, hint: "Blank: the default subject.")
        message = input("message", "message", "Invitation message", form.message, hint: "Blank: the default message.")
        for (key, value) in (form.fields ?? [:]) where !value.isEmpty { storedFields[key] = value }
        pending = unshown
        otherProblems = unshown
    }

    /// The posted HR field values, until the catalog's fields are known.
    private var storedFields: [String: String] = [:]
    private var pending: [FieldProblem] = []

    enum CodingKeys: String, CodingKey {
        case title, frame, installationID, installations, employee, person, templates, fields, deliveryChannels, signMethods, twoStepMethods
        case choiceProblems, managers, managerProblem, name, subject, message, otherProblems, sender, ready, idempotencyKey, preview, error
    }

    /// The catalog's templates and the chosen one's options, the HR fields our group fills.
    mutating func fill(with catalog: SendingCatalog, form: NewContractForm, config: AppConfig) {
        ready = !catalog.offers.isEmpty
        sender = catalog.sender.email
        let chosen = form.template_id.flatMap(Int.init).flatMap(catalog.offer(templateID:)) ?? catalog.defaultOffer
        templates = FormChoice.templates(catalog.offers, chosen: chosen?.template.id)
        var values = storedFields
        for (key, value) in form.fields ?? [:] { values[key] = value }
        var remaining = pending
        func take(_ field: String) -> String? {
            guard let index = remaining.firstIndex(where: { $0.field == field }) else { return nil }
            return remaining.remove(at: index).message
        }
        fields = catalog.fillable.map { field, hr in
            let spec = field.spec
            let hint = [spec.format == .number ? "A number" : "", spec.description]
                .filter { !$0.isEmpty }.joined(separator: " · ")
            return Input(
                name: "fields[\(hr)]", id: "field-\(hr)", label: spec.name, value: values[hr] ?? "",
                type: spec.format == .date ? "date" : "text", required: spec.required, hint: hint, problem: take("fields.\(hr)"))
        }
        let options = chosen?.options ?? AvailableOptions()
        deliveryChannels = FormChoice.options(options.deliveryChannels, picked: form.delivery_channel, needs: true)
        signMethods = FormChoice.options(options.signMethods, picked: form.sign_method, needs: true)
        twoStepMethods = FormChoice.options(options.twoStepAuthenticationMethods, picked: form.two_step_authentication_method, needs: true)
        let manager = form.manager_email?.nonEmpty
        managers =
            [FormChoice(value: "", label: "nobody", selected: manager.flatMap(catalog.user) == nil)]
            + catalog.users.keys.sorted().filter { $0.caseInsensitiveCompare(catalog.sender.email) != .orderedSame }.map { email in
                FormChoice(
                    value: email, label: "\(catalog.users[email] ?? email) <\(email)>",
                    selected: manager?.caseInsensitiveCompare(email) == .orderedSame)
            }
        managerProblem = take("manager_email")
        choiceProblems = remaining.filter { ["delivery_channel", "sign_method", "two_step_authentication_method"].contains($0.field) }
        otherProblems = remaining.filter { !["delivery_channel", "sign_method", "two_step_authentication_method"].contains($0.field) }
    }
}

/// What would go to Oneflow: the checked plan, in words.
struct Preview: Encodable {
    struct Row: Encodable {
        var key: String
        var value: String
    }
    var facts: [Row]
    var dataFields: [Row]
    var subject: String
    var message: String

    /// - Parameter fields: the installation's (`FieldSet`), for the data fields' names.
    init(_ plan: ContractRequestPlan, personalNumber: String?, fields: FieldSet) {
        let s = plan.signer
        facts = [
            ("Created as", plan.senderEmail),
            ("Template", "\(plan.templateName ?? "Template \(plan.templateID)") in workspace \(plan.workspaceName ?? String(plan.workspaceID))"),
            ("Contract name", plan.name),
            ("Signer", [s.name, s.email, s.phone, s.title].compactMap { $0 }.joined(separator: " · ")),
            ("Personal number", personalNumber == nil ? "none" : "given (sent to Oneflow, stored encrypted)"),
            ("Colleague on our side", plan.managerEmail.map { "\(plan.managerName ?? $0) <\($0)>" } ?? "nobody"),
            (
                "Delivery · sign · two-step",
                [plan.deliveryChannel, plan.signMethod, plan.twoStepAuthenticationMethod].map { $0 ?? "—" }.joined(separator: " · ")
            ),
        ].map { Row(key: $0.0, value: $0.1) }
        let names = Dictionary(fields.fields.map { ($0.customID, $0.name) }, uniquingKeysWith: { a, _ in a })
        dataFields = plan.dataFields.keys.sorted().map { Row(key: "\(names[$0] ?? $0) (\($0))", value: plan.dataFields[$0]!) }
        subject = plan.subject
        message = plan.message
    }
}

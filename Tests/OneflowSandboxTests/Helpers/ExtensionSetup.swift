import Foundation
import OneflowAPI

@testable import OneflowSandbox

/// An account as our setup leaves it: our template group with its data fields (which brings
/// the sandbox's employment template) and a webhook on the group pointing at the receiver.
struct ExtensionSetup {
    let account: SandboxHarness.NewAccount
    let admin: OneflowCredentials
    let hrUser: OneflowCredentials
    let typeID: Int

    var token: String { admin.token }

    static let fields = ["employee_number", "start_date", "job_title"]

    static func make(
        _ h: SandboxHarness, events: [String] = ["contract:publish", "contract:sign", "contract:decline", "contract:delete", "data_field:update"]
    ) async throws -> ExtensionSetup {
        let (anonymous, account) = try await h.newAccount("Acme AB")
        let type = try await h.client.createTemplateType(anonymous, TemplateTypeInput(name: "HR Bridge"))
        _ = try await h.client.replaceDataFields(anonymous, templateTypeID: type.id, fields.map { DataFieldInput(customID: $0, name: $0) })
        _ = try await h.client.createWebhook(
            anonymous,
            WebhookInput(
                callbackURL: h.receiver.url, signKey: "sign-key", templateGroupID: type.id,
                filters: [.eventTypes(events)]))
        return ExtensionSetup(
            account: account,
            admin: OneflowCredentials(token: anonymous.token, userEmail: "admin@account\(account.account_id).sandbox.example"),
            hrUser: OneflowCredentials(token: anonymous.token, userEmail: "hr@account\(account.account_id).sandbox.example"),
            typeID: type.id)
    }

    /// The employee as an individual who signs with a standard e-signature, invited by email.
    static func employee(
        email: String? = "jane@example.com", phone: String? = nil, channel: String = "email",
        signMethod: String = "standard_esign", identification: String? = nil
    ) -> PartyInput {
        .individual(
            ParticipantInput(
                name: "Jane Doe", email: email, phoneNumber: phone, identificationNumber: identification,
                title: "Support Engineer", signatory: true, deliveryChannel: channel, signMethod: signMethod,
                permissions: ["contract:update": false]), countryCode: "SE")
    }

    /// Our employment template in the HR workspace, as the helper endpoint offers it to the HR user.
    func employmentTemplate(_ h: SandboxHarness) async throws -> (workspaceID: Int, templateID: Int) {
        let offered = try await h.client.contractCreateData(hrUser, templateTypeID: typeID, extensionType: nil)
        guard let workspace = offered.first, let template = workspace.templates.first else {
            throw SandboxHarness.ControlError(status: 0, body: "no template offered")
        }
        return (workspace.id, template.id)
    }

    func draft(
        _ h: SandboxHarness, values: [String: String] = ["employee_number": "10023", "start_date": "2020-01-01"],
        parties: [PartyInput] = [ExtensionSetup.employee()]
    ) async throws -> Contract {
        let (workspaceID, templateID) = try await employmentTemplate(h)
        return try await h.client.createContract(
            hrUser,
            ContractCreateInput(
                workspaceID: workspaceID, templateID: templateID, name: "Employment contract – Jane Doe",
                dataFields: values.sorted { $0.key < $1.key }.map { DataFieldValue(customID: $0.key, value: $0.value) }, parties: parties))
    }
}

import Foundation
import OneflowAPI

/// A contract request checked and resolved: everything the job needs to create and send the
/// contract, with no further choice to make. Stored with the request (`ContractRequest.input`);
/// the personal number is kept apart, sealed.
struct ContractRequestPlan: Codable, Sendable, Equatable {
    struct Signer: Codable, Sendable, Equatable {
        var name: String
        var email: String?
        var phone: String?
        var title: String?
    }

    var employeeID: UUID?
    var signer: Signer
    /// HR field → value: the employee's, with the request's over them.
    var hrFields: [String: String]
    /// Our template group's custom id → value (the reverse of `mapping`).
    var dataFields: [String: String]
    var workspaceID: Int
    var templateID: Int
    /// As Oneflow named them when the request was checked, for people.
    var workspaceName: String? = nil
    var templateName: String? = nil
    var name: String
    var deliveryChannel: String?
    var signMethod: String?
    var twoStepAuthenticationMethod: String?
    var subject: String
    var message: String
    var send: Bool
    var senderEmail: String
    var senderName: String?
    /// A colleague on our side (`manager_email`), as the account's user.
    var managerEmail: String? = nil
    var managerName: String? = nil

    /// The body of `POST /v1/contracts/create`: the employee as an `individual` counterparty
    /// who signs; the sender on our side (the creator, with the template's role for them); our
    /// data fields by custom id, with the request's id in the correlation field.
    /// https://developer.oneflow.com/reference/create-a-contract; `shared/oneflow-contract-creation.md` §4.5.
    func createInput(requestID: UUID, personalNumber: String?, countryCode: String? = nil) -> ContractCreateInput {
        let employee = ParticipantInput(
            name: signer.name, email: signer.email, phoneNumber: signer.phone, identificationNumber: personalNumber, title: signer.title,
            signatory: true, deliveryChannel: deliveryChannel, signMethod: signMethod, twoStepAuthenticationMethod: twoStepAuthenticationMethod,
            permissions: ["contract:update": true])
        var ourSide = [ParticipantInput(name: senderName, email: senderEmail)]
        // Influencer (https://developer.oneflow.com/docs/other-important-changes): sees and edits, does not sign.
        if let managerEmail {
            ourSide.append(
                ParticipantInput(name: managerName, email: managerEmail, signatory: false, organizer: false, permissions: ["contract:update": true]))
        }
        var values = dataFields.keys.sorted().map { DataFieldValue(customID: $0, value: dataFields[$0]!) }
        values.append(DataFieldValue(customID: RequestCorrelation.customID, value: requestID.uuidString))
        return ContractCreateInput(
            workspaceID: workspaceID, templateID: templateID, name: name, dataFields: values,
            myParty: MyPartyInput(creatorInheritSettingsFromTemplate: true, participants: ourSide),
            parties: [.individual(employee, countryCode: countryCode)])
    }

    /// `{first_name}`, `{name}`, `{start_date}`, `{job_title}`, `{company}` filled in.
    static func fill(_ template: String, signer: Signer, hrFields: [String: String], company: String) -> String {
        let values = [
            "first_name": signer.name.split(separator: " ").first.map(String.init) ?? signer.name, "name": signer.name,
            "start_date": hrFields[HRField.startDate.rawValue] ?? "", "job_title": hrFields[HRField.jobTitle.rawValue] ?? signer.title ?? "",
            "company": company,
        ]
        // One pass: a value that holds a placeholder's name is not filled in again.
        return template.replacing(/\{([a-z_]+)\}/) { match in values[String(match.1)] ?? String(match.0) }
    }
}

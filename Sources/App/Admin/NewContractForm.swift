import Foundation
import Vapor

/// The admin's "New contract" and "New hire" form, as posted. Blank fields are absent; the
/// checks are the API's (`ContractRequestCheck`), so the pages and the API refuse alike.
struct NewContractForm: Content {
    var installation_id: String?
    var employee_id: String?
    var person_name: String?
    var person_email: String?
    var person_phone: String?
    var person_personal_number: String?
    var person_title: String?
    var template_id: String?
    var delivery_channel: String?
    var sign_method: String?
    var two_step_authentication_method: String?
    var name: String?
    var subject: String?
    var message: String?
    /// A colleague on our side (an account user's email), blank for nobody.
    var manager_email: String?
    /// HR field → value.
    var fields: [String: String]?
    /// `preview`, `draft` or `send`.
    var action: String?
    /// Made when the form is shown: a second click on "Send" finds the first request.
    var idempotency_key: String?

    var installationID: UUID? { installation_id.flatMap(UUID.init(uuidString:)) }
    var employeeID: UUID? { employee_id.flatMap(UUID.init(uuidString:)) }

    /// The API's request for this form.
    var input: ContractRequestInput {
        let blank = { (text: String?) in text?.nonEmpty }
        var input = ContractRequestInput()
        input.employee_id = employeeID
        if employeeID == nil {
            input.person = .init(
                name: person_name ?? "", email: blank(person_email), phone: blank(person_phone), personal_number: blank(person_personal_number),
                title: blank(person_title))
        }
        input.fields = (fields ?? [:]).mapValues { ContractRequestInput.FieldValue($0) }
        input.template_id = template_id.flatMap { Int($0) }
        input.delivery_channel = blank(delivery_channel)
        input.sign_method = blank(sign_method)
        input.two_step_authentication_method = blank(two_step_authentication_method)
        input.name = blank(name)
        input.subject = blank(subject)
        input.message = blank(message)
        input.manager_email = blank(manager_email)
        input.send = action == "send"
        return input
    }
}

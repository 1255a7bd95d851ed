import Foundation
import OneflowAPI

/// What the "Sending contracts" form shows (`sending-form.leaf`), on the setup success page's
/// step and on the admin's installation page alike.
struct SendingSettingsPage: Encodable {
    var title: String
    var account: String
    /// Where the form posts.
    var action: String
    var csrfToken: String
    var saved: Bool
    var senders: [FormChoice] = []
    var templates: [FormChoice] = []
    var deliveryChannels: [FormChoice] = []
    var signMethods: [FormChoice] = []
    var twoStepMethods: [FormChoice] = []
    var subject: String
    var message: String
    var defaultSubject: String
    var defaultMessage: String
    /// field → what is wrong with it.
    var problems: [String: String] = [:]
    var error: String?
    /// Saved just now (the setup page stays; the admin's redirects with a message).
    var notice: String?
    /// The admin pages' frame (nil on the setup pages), as the admin page made it.
    var frame: Frame?
    var installationID: String

    init(
        installation: Installation, action: String, csrfToken: String, choices: SendingSettingsService.Choices?,
        form: SendingSettingsService.Form?, config: AppConfig, frame: (any Encodable & Sendable)? = nil
    ) {
        title = "Sending contracts"
        account = installation.accountName
        self.action = action
        self.csrfToken = csrfToken
        self.frame = frame.map(Frame.init)
        installationID = installation.id?.uuidString ?? ""
        let saved = choices?.saved
        self.saved = saved != nil
        subject = form?.subject ?? saved?.subject ?? ""
        message = form?.message ?? saved?.message ?? ""
        defaultSubject = config.sending.subject
        defaultMessage = config.sending.message
        guard let choices else { return }
        senders = choices.users.map { user in
            let email = user.email ?? ""
            let label = "\(user.name ?? email) <\(email)>" + (user.role == "admin" ? " · admin" : "")
            return FormChoice(value: email, label: label, selected: email.caseInsensitiveCompare(choices.sender) == .orderedSame)
        }
        let templateID = form?.template_id.flatMap { Int($0) } ?? saved?.templateID
        templates = FormChoice.templates(choices.offers, chosen: templateID)
        let options = (choices.offers.first { $0.template.id == templateID } ?? choices.offers.first)?.options ?? AvailableOptions()
        deliveryChannels = FormChoice.options(options.deliveryChannels, picked: form?.delivery_channel ?? saved?.deliveryChannel, needs: false)
        signMethods = FormChoice.options(options.signMethods, picked: form?.sign_method ?? saved?.signMethod, needs: false)
        twoStepMethods = FormChoice.options(
            options.twoStepAuthenticationMethods, picked: form?.two_step_authentication_method ?? saved?.twoStepAuthenticationMethod, needs: false)
    }
}

extension SendingSettingsPage {
    /// A frame the page that shows the form made (the admin's navigation), encoded as it is.
    struct Frame: Encodable {
        let wrapped: any Encodable & Sendable
        init(_ wrapped: any Encodable & Sendable) { self.wrapped = wrapped }
        func encode(to encoder: any Encoder) throws { try wrapped.encode(to: encoder) }
    }
}

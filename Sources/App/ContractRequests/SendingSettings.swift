import Fluent
import Foundation

/// An installation's defaults for the contracts HR Bridge creates, chosen on the "Sending
/// contracts" page (setup's success page, the admin's installation page) and checked against
/// Oneflow when saved: who sends, from which template, how it is delivered and signed, and the
/// invitation. Until saved, the defaults are the account's first admin, the first template of
/// our group and the template's preferred options (`SendingCatalogLoader`).
final class SendingSettings: Model, @unchecked Sendable {
    static let schema = "sending_settings"

    @ID(key: .id) var id: UUID?
    @Parent(key: "installation_id") var installation: Installation
    /// A user of the account allowed to create contracts (`x-oneflow-user-email`).
    @Field(key: "sender_email") var senderEmail: String
    @OptionalField(key: "template_id") var templateID: Int?
    @OptionalField(key: "delivery_channel") var deliveryChannel: String?
    @OptionalField(key: "sign_method") var signMethod: String?
    @OptionalField(key: "two_step_authentication_method") var twoStepAuthenticationMethod: String?
    /// With placeholders (`ContractRequestPlan.fill`); nil: `sending.subject`.
    @OptionalField(key: "subject") var subject: String?
    @OptionalField(key: "message") var message: String?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(installationID: UUID) {
        self.id = .timeOrdered()
        self.$installation.id = installationID
    }

    /// What the catalog and the checks read of them.
    var values: Values {
        Values(
            senderEmail: senderEmail, templateID: templateID, deliveryChannel: deliveryChannel, signMethod: signMethod,
            twoStepAuthenticationMethod: twoStepAuthenticationMethod, subject: subject, message: message)
    }

    struct Values: Sendable, Equatable {
        var senderEmail: String
        var templateID: Int?
        var deliveryChannel: String?
        var signMethod: String?
        var twoStepAuthenticationMethod: String?
        var subject: String?
        var message: String?
    }

    static func of(_ installationID: UUID, on db: any Database) async throws -> SendingSettings? {
        try await SendingSettings.query(on: db).filter(\.$installation.$id == installationID).first()
    }
}

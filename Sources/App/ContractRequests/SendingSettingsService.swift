import Fluent
import Foundation
import Logging
import OneflowAPI
import Vapor

/// The "Sending contracts" step: what may be chosen (the account's users; the templates of our
/// group the chosen sender may use, with their options), and saving a choice once Oneflow
/// confirms it — the sender is an active user who may create contracts from the template, and
/// each option is one the template offers.
struct SendingSettingsService {
    let services: AppServices
    let db: any Database
    let catalogs: SendingCatalogs
    let logger: Logger

    /// The form as posted.
    struct Form: Content {
        var sender_email: String?
        var template_id: String?
        var delivery_channel: String?
        var sign_method: String?
        var two_step_authentication_method: String?
        var subject: String?
        var message: String?
        /// `check` (show the sender's templates) or `save`.
        var action: String?
    }

    struct Choices: Sendable {
        var users: [User]
        var sender: String
        var offers: [SendingCatalog.Offer]
        var saved: SendingSettings.Values?
    }

    /// The users, and the templates `sender` (default: the saved or default sender) may use.
    func choices(for installation: Installation, sender: String? = nil) async throws -> Choices {
        let (token, typeID) = try Self.connection(installation, box: services.secretBox)
        let saved = try await SendingSettings.of(try installation.requireID(), on: db)?.values
        return try await ContractRequestError.explaining {
            let configured = OneflowCredentials(token: token, userEmail: services.config.oneflow.userEmail)
            let users = try await services.oneflow.allUsers(configured).filter { $0.active != false && !($0.email ?? "").isEmpty }
            // A saved sender who has left is not offered: the default is, to choose again.
            let standing =
                (try? SendingCatalog.sender(among: users, saved: saved?.senderEmail, configured: services.config.oneflow.userEmail))
                ?? (try? SendingCatalog.sender(among: users, saved: nil, configured: services.config.oneflow.userEmail))
            let chosen = sender?.nonEmpty ?? standing?.email ?? ""
            var offers: [SendingCatalog.Offer] = []
            if users.contains(where: { $0.email?.caseInsensitiveCompare(chosen) == .orderedSame }) {
                let acting = OneflowCredentials(token: token, userEmail: chosen)
                offers = SendingCatalog.offers(
                    in: try await services.oneflow.contractCreateData(acting, templateTypeID: typeID, extensionType: nil), typeID: typeID)
            }
            return Choices(users: users, sender: chosen, offers: offers, saved: saved)
        }
    }

    /// Checks `form` against Oneflow and stores it; the catalog is read again at the next request.
    func save(_ form: Form, for installation: Installation) async throws -> SendingSettings {
        let choices = try await choices(for: installation, sender: form.sender_email)
        var problems: [FieldProblem] = []
        let sender = form.sender_email?.nonEmpty ?? ""
        if !choices.users.contains(where: { $0.email?.caseInsensitiveCompare(sender) == .orderedSame }) {
            problems.append(.init(field: "sender_email", message: "Choose an active user of this Oneflow account."))
        } else if choices.offers.isEmpty {
            problems.append(
                .init(
                    field: "sender_email",
                    message:
                        "\(sender) may not create contracts from any active template of the \(services.config.extensionSettings.templateGroupName) group: give them contract rights in a workspace that has one, or choose another user."
                ))
        }
        let offer = form.template_id.flatMap { Int($0) }.flatMap { id in choices.offers.first { $0.template.id == id } }
        if offer == nil, !choices.offers.isEmpty {
            problems.append(
                .init(
                    field: "template_id",
                    message: "Choose a template of the \(services.config.extensionSettings.templateGroupName) group that \(sender) may use."))
        }
        let options = offer?.options ?? AvailableOptions()
        for (field, value, list, what) in [
            ("delivery_channel", form.delivery_channel, options.deliveryChannels, "delivery channel"),
            ("sign_method", form.sign_method, options.signMethods, "sign method"),
            ("two_step_authentication_method", form.two_step_authentication_method, options.twoStepAuthenticationMethods, "two-step method"),
        ] {
            if let value = value?.nonEmpty, offer != nil, !list.contains(where: { $0.name == value }) {
                problems.append(.init(field: field, message: "The template does not offer the \(what) \(value)."))
            }
        }
        let subject = form.subject?.nonEmpty
        let message = form.message?.nonEmpty
        if (subject?.count ?? 0) > 255 { problems.append(.init(field: "subject", message: "At most 255 characters.")) }
        if (message?.count ?? 0) > 10_000 { problems.append(.init(field: "message", message: "At most 10000 characters.")) }
        guard problems.isEmpty else { throw ContractRequestError.invalid(problems) }

        let installationID = try installation.requireID()
        let settings = try await SendingSettings.of(installationID, on: db) ?? SendingSettings(installationID: installationID)
        settings.senderEmail = sender
        settings.templateID = offer?.template.id
        settings.deliveryChannel = form.delivery_channel?.nonEmpty
        settings.signMethod = form.sign_method?.nonEmpty
        settings.twoStepAuthenticationMethod = form.two_step_authentication_method?.nonEmpty
        settings.subject = subject
        settings.message = message
        try await services.storage.writer(on: db).save(settings)
        await catalogs.forget(installationID)
        return settings
    }

    static func connection(_ installation: Installation, box: SecretBox) throws -> (token: String, templateTypeID: Int) {
        guard installation.status == .active, let typeID = installation.templateTypeID,
            let token = try InstallationSecrets(box: box).token(of: installation)
        else { throw ContractRequestError.notConnected }
        return (token, typeID)
    }
}

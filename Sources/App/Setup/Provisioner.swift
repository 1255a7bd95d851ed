import Fluent
import Foundation
import Logging
import OneflowAPI

/// Creates, or finds and corrects, what our extension needs in a customer's Oneflow account:
/// the template group with our data fields, and the webhook for it. Every step is a
/// find-or-create and is recorded on the installation (`setup_step`), so a setup that
/// failed half-way resumes on the next attempt without duplicating anything.
/// https://developer.oneflow.com/docs/configure-template-group-and-webhook
struct Provisioner {
    enum Step: String {
        case account
        case templateType = "template_type"
        case dataFields = "data_fields"
        case signKey = "sign_key"
        case webhook, done
    }

    struct Result: Sendable {
        var templateType: TemplateType
        var dataFields: [DataField]
        var webhook: Webhook
    }

    /// Where each step is recorded on the installation (`DatabaseWriter`).
    let writer: any DatabaseWriter
    let oneflow: any OneflowClient
    let config: AppConfig
    let secrets: InstallationSecrets
    /// The ack path's cache of sign keys: a new key drops the installation's entry.
    let keyCache: WebhookKeyCache
    let logger: Logger

    /// - Parameter fields: the installation's data fields (`FieldSets`).
    func provision(
        _ installation: Installation, _ credentials: OneflowCredentials, fields wanted: FieldSet, rotateSignKey: Bool, now: Date
    ) async throws -> Result {
        let type = try await ensureTemplateType(installation, credentials)
        try await record(.templateType, on: installation) { $0.templateTypeID = type.id }

        let fields = try await ensureDataFields(wanted, of: type, credentials)
        try await record(.dataFields, on: installation)

        // The key is stored before the webhook uses it: a notification can never carry a
        // signature we cannot check.
        let signKey = try secrets.ensureSignKey(
            of: installation, rotate: rotateSignKey,
            grace: TimeInterval(config.setup.signKeyGraceSeconds), now: now)
        try await record(.signKey, on: installation)
        // The ack path's cache may hold the keys from before this setup (rotated here, or with
        // a new token by `SetupService`): it reads them again at the next notification.
        keyCache.forget(installation.webhookKey)
        if rotateSignKey { logger.info("setup: sign key rotated", metadata: ["installation": "\(installation.id?.uuidString ?? "")"]) }

        let webhook = try await ensureWebhook(installation, templateTypeID: type.id, signKey: signKey, credentials)
        try await record(.webhook, on: installation) { $0.webhookID = webhook.id }
        return Result(templateType: type, dataFields: fields, webhook: webhook)
    }

    private func record(_ step: Step, on installation: Installation, _ change: (Installation) -> Void = { _ in }) async throws {
        change(installation)
        installation.setupStep = step.rawValue
        try await writer.save(installation)
    }

    /// The stored template type if it still exists, else the one with our name, else a new one.
    func ensureTemplateType(_ installation: Installation, _ credentials: OneflowCredentials) async throws -> TemplateType {
        if let id = installation.templateTypeID {
            if let stored = try await templateTypeIfExists(credentials, id: id) { return stored }
            logger.warning("setup: our template type was deleted in Oneflow; finding or creating it again", metadata: ["template_type_id": "\(id)"])
        }
        let name = config.extensionSettings.templateGroupName
        if let match = try await oneflow.allTemplateTypes(credentials).first(where: { $0.name == name }) {
            logger.info("setup: found template type", metadata: ["template_type_id": "\(match.id)"])
            return try await oneflow.templateType(credentials, id: match.id)
        }
        let created = try await oneflow.createTemplateType(
            credentials, TemplateTypeInput(name: name, description: config.extensionSettings.templateGroupDescription))
        logger.info("setup: created template type", metadata: ["template_type_id": "\(created.id)"])
        return created
    }

    /// nil when Oneflow says 404. (A plain catch: `catch where` on a typed-throws call crashes
    /// Swift 6.3.1's SIL verifier.)
    private func templateTypeIfExists(_ credentials: OneflowCredentials, id: Int) async throws -> TemplateType? {
        do {
            return try await oneflow.templateType(credentials, id: id)
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    /// PUTs the complete set (see `DataFieldPlan`) unless the group already has it.
    func ensureDataFields(_ wanted: FieldSet, of type: TemplateType, _ credentials: OneflowCredentials) async throws -> [DataField] {
        let existing = type.dataFields ?? []
        let planned = wanted.plan(existing: existing)
        if DataFieldPlan.isSatisfied(planned, by: existing) { return existing }
        let fields = try await oneflow.replaceDataFields(credentials, templateTypeID: type.id, planned)
        logger.info("setup: data fields set", metadata: ["template_type_id": "\(type.id)", "count": "\(fields.count)"])
        return fields
    }

    /// Our webhook is the one whose callback path carries this installation's key. Exactly one
    /// is kept: extras left by an interrupted earlier setup are deleted.
    func ensureWebhook(_ installation: Installation, templateTypeID: Int, signKey: String, _ credentials: OneflowCredentials) async throws -> Webhook
    {
        let wanted = WebhookInput(
            callbackURL: WebhookURL.callback(base: config.publicBaseURL, key: installation.webhookKey),
            signKey: signKey, templateGroupID: templateTypeID, filters: [.eventTypes(config.extensionSettings.eventTypes)]
        )
        let ours = try await oneflow.webhooks(credentials).filter { WebhookURL.isOurs($0.callbackURL, key: installation.webhookKey) }
        let keep = ours.first { $0.id == installation.webhookID } ?? ours.first
        for extra in ours where extra.id != keep?.id {
            try await oneflow.deleteWebhook(credentials, id: extra.id)
            logger.info("setup: deleted a duplicate webhook", metadata: ["webhook_id": "\(extra.id)"])
        }
        guard let keep else {
            let created = try await oneflow.createWebhook(credentials, wanted)
            logger.info("setup: created webhook", metadata: ["webhook_id": "\(created.id)"])
            return created
        }
        let upToDate =
            keep.callbackURL == wanted.callbackURL && keep.signKey == signKey && keep.templateGroupID == templateTypeID
            && Set(keep.eventTypes ?? []) == Set(config.extensionSettings.eventTypes)
        if upToDate { return keep }
        logger.info("setup: updating webhook", metadata: ["webhook_id": "\(keep.id)"])
        return try await oneflow.updateWebhook(credentials, id: keep.id, wanted)
    }
}

/// Our webhook callback URLs: `{public.base_url}/webhooks/oneflow/{webhookKey}`.
enum WebhookURL {
    static let pathPrefix = "/webhooks/oneflow/"

    static func callback(base: String, key: String) -> String { base + pathPrefix + key }

    /// Matched on the path, so a webhook registered under an earlier public address is found too.
    static func isOurs(_ url: String, key: String) -> Bool {
        URL(string: url)?.path == pathPrefix + key
    }
}

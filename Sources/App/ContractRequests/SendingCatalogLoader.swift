import Fluent
import Foundation
import Logging
import OneflowAPI

/// Asks Oneflow what an installation can send with (`SendingCatalog`), as the installation's
/// token, through `InstallationCaller` (a revoked token disconnects it, visibly).
///
/// The sender is the saved one, `oneflow.user_email`, or the account's first active admin
/// (`GET /v1/users`): a contract is always created as a real user, who must have
/// contract-create rights in the workspace (`shared/oneflow-contract-creation.md` §1, §10.2).
/// Only reads: a group that lacks the correlation field gets it from the job that needs it.
struct SendingCatalogLoader {
    let services: AppServices
    let db: any Database
    let writer: any DatabaseWriter
    let logger: Logger

    func load(_ installation: Installation) async throws -> SendingCatalog {
        let (token, typeID) = try SendingSettingsService.connection(installation, box: services.secretBox)
        let oneflow = services.oneflow
        let configured = OneflowCredentials(token: token, userEmail: services.config.oneflow.userEmail)
        let caller = InstallationCaller(writer: writer, logger: logger, clock: services.clock, oneflow: oneflow)
        let installationID = try installation.requireID()
        let settings = try await SendingSettings.of(installationID, on: db)?.values
        let fieldSet = try await FieldSets.one(installationID, config: services.config, on: db)
        return try await ContractRequestError.explaining {
            let users = try await caller.call(installation, configured) { try await oneflow.allUsers(configured) }
            let sender = try SendingCatalog.sender(among: users, saved: settings?.senderEmail, configured: services.config.oneflow.userEmail)
            let acting = OneflowCredentials(token: token, userEmail: sender.email)
            let offered = try await caller.call(installation, acting) {
                try await oneflow.contractCreateData(acting, templateTypeID: typeID, extensionType: nil)
            }
            let fields = try await caller.call(installation, configured) { try await oneflow.templateType(configured, id: typeID) }.dataFields ?? []
            let active = users.filter { $0.active != false }.compactMap { user in user.email.map { ($0, user.name ?? $0) } }
            return SendingCatalog(
                sender: sender, offers: SendingCatalog.offers(in: offered, typeID: typeID), dataFields: fields, fieldSet: fieldSet,
                settings: settings,
                users: Dictionary(active, uniquingKeysWith: { first, _ in first }))
        }
    }
}

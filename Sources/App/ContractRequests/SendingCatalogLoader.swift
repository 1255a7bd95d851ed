import Fluent
import Foundation
import Logging
import OneflowAPI

/// Asks Oneflow what an installation can send with (`SendingCatalog`), as the installation's
/// token, through `InstallationCaller` (a revoked token disconnects it, visibly).
///
/// The sender is `oneflow.user_email` when set, else the account's first active admin
/// (`GET /v1/users`): a contract is always created as a real user, who must have
/// contract-create rights in the workspace (`shared/oneflow-contract-creation.md` §1, §10.2).
/// A group provisioned before contract requests existed lacks the correlation field
/// (`RequestCorrelation`); the complete set is PUT again here, as setup does.
struct SendingCatalogLoader {
    let services: AppServices
    let db: any Database
    let writer: any DatabaseWriter
    let logger: Logger

    func load(_ installation: Installation) async throws -> SendingCatalog {
        guard installation.status == .active, let typeID = installation.templateTypeID,
            let token = try InstallationSecrets(box: services.secretBox).token(of: installation)
        else { throw ContractRequestError.notConnected }
        let oneflow = services.oneflow
        let configured = OneflowCredentials(token: token, userEmail: services.config.oneflow.userEmail)
        let caller = InstallationCaller(writer: writer, logger: logger, clock: services.clock, oneflow: oneflow)
        let settings = try await SendingSettings.of(try installation.requireID(), on: db)?.values
        return try await ContractRequestError.explaining {
            let sender = try await caller.call(installation, configured) { try await findSender(configured, saved: settings?.senderEmail) }
            let acting = OneflowCredentials(token: token, userEmail: sender.email)
            let offered = try await caller.call(installation, acting) {
                try await oneflow.contractCreateData(acting, templateTypeID: typeID, extensionType: nil)
            }
            let offers = offered.flatMap { workspace in
                workspace.templates.filter { $0.templateType?.id == typeID && $0.active != false }.map {
                    SendingCatalog.Offer(template: $0, workspaceID: workspace.id, workspaceName: workspace.name)
                }
            }
            var fields = try await caller.call(installation, configured) { try await oneflow.templateType(configured, id: typeID) }.dataFields ?? []
            if !fields.contains(where: { $0.customID == RequestCorrelation.customID }) {
                let planned = DataFieldPlan.complete(
                    configured: RequestCorrelation.provisioned(services.config.extensionSettings.dataFields), existing: fields)
                fields = try await caller.call(installation, configured) {
                    try await oneflow.replaceDataFields(configured, templateTypeID: typeID, planned)
                }
                logger.info("contract requests: correlation data field added", metadata: ["installation": "\(installation.id?.uuidString ?? "")"])
            }
            return SendingCatalog(sender: sender, offers: offers, dataFields: fields, settings: settings)
        }
    }

    /// The saved sender (still an active user), else `oneflow.user_email`, else the first active
    /// admin with an email, else the first active user.
    private func findSender(_ credentials: OneflowCredentials, saved: String?) async throws -> SendingCatalog.Sender {
        let users = try await services.oneflow.allUsers(credentials).filter { $0.active != false && !($0.email ?? "").isEmpty }
        if let saved {
            guard let user = users.first(where: { $0.email?.caseInsensitiveCompare(saved) == .orderedSame }) else {
                throw ContractRequestError.senderGone(saved)
            }
            return SendingCatalog.Sender(email: saved, name: user.name)
        }
        if let configured = services.config.oneflow.userEmail {
            let match = users.first { $0.email?.caseInsensitiveCompare(configured) == .orderedSame }
            return SendingCatalog.Sender(email: configured, name: match?.name)
        }
        guard let user = users.first(where: { $0.role == "admin" }) ?? users.first, let email = user.email else {
            throw ContractRequestError.noSender
        }
        return SendingCatalog.Sender(email: email, name: user.name)
    }
}

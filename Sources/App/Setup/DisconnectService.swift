import Fluent
import Foundation
import Logging
import OneflowAPI

/// Disconnecting an installation: our webhook is deleted in Oneflow, the stored token and
/// sign keys are wiped, the installation is marked disconnected — and its HR records stay.
struct DisconnectService {
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// Oneflow could not be asked to delete the webhook; nothing was changed. `force` disconnects anyway.
        case oneflowUnavailable(String)
        var description: String {
            switch self {
            case .oneflowUnavailable(let detail): "Oneflow could not delete our webhook (\(detail)); nothing was changed. Retry, or force."
            }
        }
    }

    let writer: any DatabaseWriter
    let oneflow: any OneflowClient
    let secrets: InstallationSecrets
    let userEmail: String?
    let logger: Logger

    init(services: AppServices, db: any Database, logger: Logger) {
        self.writer = services.storage.writer(on: db)
        self.oneflow = services.oneflow
        self.secrets = InstallationSecrets(box: services.secretBox)
        self.userEmail = services.config.oneflow.userEmail
        self.logger = logger
    }

    func disconnect(_ installation: Installation, force: Bool = false, now: Date) async throws {
        if let token = try secrets.token(of: installation), let webhookID = installation.webhookID {
            do {
                try await oneflow.deleteWebhook(OneflowCredentials(token: token, userEmail: userEmail), id: webhookID)
            } catch {
                // 404: already gone; 401: the token is revoked (extension disabled) — nothing left to delete.
                if !error.isNotFound && !error.isUnauthorized {
                    guard force else { throw Failure.oneflowUnavailable(error.description) }
                    logger.warning("disconnect: forced without deleting the webhook in Oneflow", metadata: ["error": "\(error)"])
                }
            }
        }
        secrets.wipe(installation)
        installation.webhookID = nil
        installation.status = .disconnected
        installation.disconnectedAt = now
        installation.lastError = nil
        try await writer.save(installation)
        logger.info("disconnect: installation disconnected", metadata: ["installation": "\(installation.id?.uuidString ?? "")"])
    }
}

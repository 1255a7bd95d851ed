import Fluent
import Foundation
import Logging

@testable import App

extension SyncWorker {
    /// A worker that runs the sync jobs, as `serve` wires it (`workers.swift`).
    convenience init(
        db: any Database, services: AppServices, logger: Logger, contractsPerTransaction: Int? = nil, writer: (any DatabaseWriter)? = nil
    ) {
        self.init(
            db: db, services: services, logger: logger,
            runners: [
                SyncJobs(services: services), ContractRequestJobs(services: services),
                ContractBatchJobs(services: services, catalogs: SendingCatalogs()), RetentionJobs(services: services),
                FieldReapplyJobs(services: services),
            ],
            contractsPerTransaction: contractsPerTransaction,
            writer: writer)
    }

    /// Its sync pipeline.
    var pipeline: SyncPipeline { SyncJobs(services: services).pipeline(for: context) }
}

extension Outbox {
    /// An outbox that announces `installation`'s changes, whatever its targets.
    static func of(_ installation: Installation) throws -> Outbox {
        Outbox(announced: [try installation.requireID(): try InstallationReference(installation)])
    }
}

extension SyncFixture {
    /// A notification sender on this fixture's app: its notification targets unless others are
    /// given, a live HTTP client unless another is. Shut it down after (its HTTP client must be).
    func notificationSender(
        targets: NotificationTargets? = nil, maxAttempts: Int = 5, http: any OutboundHTTP = LiveOutboundHTTP()
    ) -> NotificationSender {
        NotificationSender(
            db: db, writer: r.app.services.storage.writer(on: db), targets: targets ?? r.app.services.notificationTargets,
            maxAttempts: maxAttempts, metrics: r.app.services.metrics, http: http)
    }

    /// Sends every notification due now with a sender of its own, then shuts it down.
    /// - Returns: how many were sent.
    func sendNotifications(targets: NotificationTargets? = nil, maxAttempts: Int = 5) async throws -> Int {
        let sender = notificationSender(targets: targets, maxAttempts: maxAttempts)
        do {
            let sent = try await sender.drain(now: Date())
            await sender.shutdown()
            return sent
        } catch {
            await sender.shutdown()
            throw error
        }
    }
}

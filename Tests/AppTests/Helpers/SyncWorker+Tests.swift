import Fluent
import Logging

@testable import App

extension SyncWorker {
    /// A worker that runs the sync jobs, as `serve` wires it (`workers.swift`).
    convenience init(
        db: any Database, services: AppServices, logger: Logger, contractsPerTransaction: Int? = nil, writer: (any DatabaseWriter)? = nil
    ) {
        self.init(
            db: db, services: services, logger: logger, runners: [SyncJobs(services: services)], contractsPerTransaction: contractsPerTransaction,
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

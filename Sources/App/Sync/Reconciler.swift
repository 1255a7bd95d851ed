import Fluent
import Foundation
import Logging
import OneflowAPI

/// Re-reads each active installation's contracts changed since the last run, newest first,
/// so a contract changed while we could not receive webhooks (an outage longer than
/// Oneflow's ~1 h 47 min retry window) still reaches the HR records.
/// https://developer.oneflow.com/reference/get-contracts, https://developer.oneflow.com/docs/sorting
struct Reconciler {
    let db: any Database
    let services: AppServices
    let logger: Logger
    /// Where the pipeline and the installation's progress write.
    let writer: any DatabaseWriter

    init(db: any Database, services: AppServices, logger: Logger, writer: (any DatabaseWriter)? = nil) {
        self.db = db
        self.services = services
        self.logger = logger
        self.writer = writer ?? services.storage.writer(on: db)
    }
    /// Overlap with the previous run, against clock skew between us and Oneflow.
    static let overlap: TimeInterval = 300
    /// Contracts fetched at once and written in one transaction: a page of 100 at once would
    /// spend one token's rate limit in a burst and hold the write gate (and webhook
    /// acknowledgements) for a long transaction. https://developer.oneflow.com/reference/api-rate-limit
    static let contractsAtOnce = 8

    struct Report: Sendable {
        var installations = 0
        var contracts = 0
        var applied = 0
    }

    @discardableResult
    func runAll(now: Date) async throws -> Report {
        var report = Report()
        for installation in try await Installation.query(on: db).filter(\.$status == .active).all() {
            report.installations += 1
            let (seen, applied) = try await run(installation, now: now)
            report.contracts += seen
            report.applied += applied
        }
        return report
    }

    /// - Returns: contracts looked at, and how many changed HR records.
    func run(_ installation: Installation, now: Date) async throws -> (Int, Int) {
        guard let token = try InstallationSecrets(box: services.secretBox).token(of: installation) else { return (0, 0) }
        let credentials = OneflowCredentials(token: token, userEmail: services.config.oneflow.userEmail)
        let since = installation.lastReconciledAt?.addingTimeInterval(-Self.overlap)
        let pipeline = SyncPipeline(db: db, writer: writer, services: services, logger: logger)
        let caller = InstallationCaller(writer: writer, logger: logger, clock: services.clock, oneflow: services.oneflow)
        var offset = 0
        var seen = 0
        var applied = 0
        pages: while offset <= Page<Contract>.maxOffset {
            let query = ContractQuery(offset: offset, limit: 100, sort: ["-state_updated_time"])
            let page = try await caller.call(installation, credentials) { try await services.oneflow.contracts(credentials, query: query) }
            var ours: [Int] = []
            var reachedLastRun = false
            for contract in page.data {
                if let since, let changed = contract.stateUpdatedTime ?? contract.updatedTime, changed < since {
                    reachedLastRun = true
                    break
                }
                guard contract.templateTypeID == nil || contract.templateTypeID == installation.templateTypeID else { continue }
                ours.append(contract.id)
            }
            seen += ours.count
            for start in stride(from: 0, to: ours.count, by: Self.contractsAtOnce) {
                let chunk = Array(ours[start..<min(start + Self.contractsAtOnce, ours.count)])
                let items = try await pipeline.sync(contractIDs: chunk, of: installation, token: token)
                // Changed HR records: created, updated, marked deleted (or a stale fetch, counted as before).
                applied += items.filter { $0.status == .processed && $0.outcome?.kind != .unchanged }.count
            }
            offset += page.data.count
            if reachedLastRun || page.data.isEmpty || offset >= page.count { break pages }
        }
        installation.lastReconciledAt = now
        try await writer.write(.background) { db in try await installation.save(on: db) }
        logger.info(
            "reconcile: done", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "contracts": "\(seen)", "applied": "\(applied)"])
        return (seen, applied)
    }

    /// Queues the next periodic run unless one is already queued; 0 turns it off.
    static func scheduleNext(on db: any Database, interval: Int, now: Date) async throws {
        guard interval > 0 else { return }
        let queued = try await JobQueue.planned(JobQueue.Kind.reconcile, [.queued, .running], on: db).count()
        // The running job is the one calling us; another queued one means a run is already planned.
        guard queued <= 1 else { return }
        try await JobQueue(db: db).enqueue(
            kind: JobQueue.Kind.reconcile, payload: [String: String](), maxAttempts: 3,
            runAt: now.addingTimeInterval(TimeInterval(interval)))
    }
}

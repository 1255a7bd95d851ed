import Fluent
import Foundation
import Logging

/// Runs `FieldReapply`'s jobs: the installation's contracts read again from Oneflow and run
/// through the sync pipeline with its mapping as it is now — a few per run, at a pace that
/// leaves the token's rate limit to the webhooks
/// (https://developer.oneflow.com/reference/api-rate-limit).
struct FieldReapplyJobs: JobRunner {
    /// Contracts per run: read at once and written in one transaction (as reconciliation).
    static let contractsPerRun = Reconciler.contractsAtOnce
    /// Between runs: 8 contracts every 4 s is 600 calls in Oneflow's five-minute window of 2,000.
    static let spacing: TimeInterval = 4

    let services: AppServices

    var kinds: Set<String> { [FieldReapply.kind] }

    func prepare(on worker: WorkerContext) async throws {}

    func run(_ jobs: [Job], on worker: WorkerContext) async -> [Job] {
        for job in jobs { await run(job, on: worker) }
        return []
    }

    private func run(_ job: Job, on worker: WorkerContext) async {
        let pipeline = SyncJobs(services: services).pipeline(for: worker)
        do {
            let payload = try JSONDecoder().decode(FieldReapply.Payload.self, from: Data(job.payload.utf8))
            var ids: [Int] = []
            if let installation = try await Installation.find(payload.installation_id, on: worker.db), installation.status == .active,
                let token = try InstallationSecrets(box: services.secretBox).token(of: installation)
            {
                var next = EmploymentContract.query(on: worker.db).filter(\.$installation.$id == payload.installation_id)
                if let after = payload.after { next = next.filter(\.$oneflowContractID > after) }
                ids = try await next.sort(\.$oneflowContractID).limit(Self.contractsPerRun).all().map(\.oneflowContractID)
                if !ids.isEmpty { _ = try await pipeline.sync(contractIDs: ids, of: installation, token: token) }
            }
            let now = services.clock.now
            let more = ids.count == Self.contractsPerRun ? FieldReapply.Payload(installation_id: payload.installation_id, after: ids.last) : nil
            try await worker.writer.transaction(.background) { tx in
                if let more {
                    try await JobQueue(db: tx).enqueue(
                        kind: FieldReapply.kind, payload: more, maxAttempts: 10, runAt: now.addingTimeInterval(Self.spacing), on: tx)
                }
                try await JobQueue(db: tx).succeed(job, now: now)
            }
            if more == nil { worker.logger.info("data fields: re-applied", metadata: ["installation": "\(payload.installation_id)"]) }
        } catch {
            await pipeline.fail(job, SyncFailure(error))
        }
    }
}

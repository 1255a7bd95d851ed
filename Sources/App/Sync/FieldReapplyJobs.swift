import Fluent
import Foundation
import Logging
import SQLKit

/// Runs `FieldReapply`'s jobs: the installation's contracts read again from Oneflow and run
/// through the sync pipeline with its mapping as it is now — a few per run, at a pace that
/// leaves the token's rate limit to the webhooks
/// (https://developer.oneflow.com/reference/api-rate-limit).
///
/// An employee's fields come from one contract, its newest (highest Oneflow id): with every
/// contract applied in turn an employee whose contracts differ would change back and forth
/// at each re-apply. A contract Oneflow refuses for good is skipped (logged); an outage or a
/// 429 fails the step, which is tried again from where it was.
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
            let installationID = payload.installation_id
            guard let installation = try await Installation.find(installationID, on: worker.db), installation.status == .active,
                let token = try InstallationSecrets(box: services.secretBox).token(of: installation)
            else {
                worker.logger.notice(
                    "data fields: re-apply stopped: the installation is not connected", metadata: ["installation": "\(installationID)"])
                return try await finish(job, next: nil, on: worker)
            }
            let ids = try await next(of: installationID, after: payload.after, on: worker.db)
            do {
                if !ids.isEmpty { _ = try await pipeline.sync(contractIDs: ids, of: installation, token: token) }
            } catch {
                let failure = SyncFailure(error)
                guard failure.consequence == .dead else { throw failure }
                worker.logger.warning(
                    "data fields: re-apply skipped a contract Oneflow refused",
                    metadata: ["installation": "\(installationID)", "error": "\(failure)"])
            }
            let more = ids.count == Self.contractsPerRun ? FieldReapply.Payload(installation_id: installationID, after: ids.last) : nil
            try await finish(job, next: more, on: worker)
            if more == nil { worker.logger.info("data fields: re-applied", metadata: ["installation": "\(installationID)"]) }
        } catch {
            await pipeline.fail(job, SyncFailure(error))
        }
    }

    /// The next contracts, ascending: each employee's newest, and contracts without an employee.
    private func next(of installationID: UUID, after: Int?, on db: any Database) async throws -> [Int] {
        try await db.sql().raw(
            """
            SELECT c.oneflow_contract_id AS id FROM employment_contracts c
            WHERE c.installation_id = \(bind: installationID) AND c.oneflow_contract_id > \(bind: after ?? Int.min)
              AND (c.employee_id IS NULL OR c.oneflow_contract_id = (
                SELECT MAX(n.oneflow_contract_id) FROM employment_contracts n WHERE n.employee_id = c.employee_id))
            ORDER BY c.oneflow_contract_id LIMIT \(bind: Self.contractsPerRun)
            """
        ).all().map { try $0.decode(column: "id", as: Int.self) }
    }

    /// This step done, and the next planned — unless a re-apply asked for since has queued its
    /// own first step (`FieldReapply.start`): then that one goes on, from the start.
    private func finish(_ job: Job, next: FieldReapply.Payload?, on worker: WorkerContext) async throws {
        let now = services.clock.now
        try await worker.writer.transaction(.background) { tx in
            if let next, try await FieldReapply.queued(for: next.installation_id, on: tx).isEmpty {
                try await JobQueue(db: tx).enqueue(
                    kind: FieldReapply.kind, payload: next, maxAttempts: 10, runAt: now.addingTimeInterval(Self.spacing), on: tx)
            }
            try await JobQueue(db: tx).succeed(job, now: now)
        }
    }
}

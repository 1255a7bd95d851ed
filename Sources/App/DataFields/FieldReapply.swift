import Fluent
import Foundation

/// "Re-apply to existing employees" (issue #29): after an installation's data fields or their
/// mapping changed, its contracts are read again from Oneflow with the new mapping
/// (`FieldReapplyJobs`, one job per step, ascending Oneflow contract ids). The HR writes compare
/// before they change anything, so an employee is updated once and a second re-apply changes
/// nothing; values under an HR field no longer mapped are left where they are.
enum FieldReapply {
    static let kind = "reapply-fields"

    struct Payload: Codable, Equatable {
        var installation_id: UUID
        /// The last Oneflow contract id done; nil: none yet.
        var after: Int?
    }

    /// Queues the installation's re-apply from its first contract. One under way starts again
    /// from the start (its queued step is replaced; a running one plans no next step), so
    /// every contract is read with the mapping as it is now. - Returns: its contracts.
    static func start(_ installationID: UUID, now: Date, on tx: any Database) async throws -> Int {
        try await InstallationLock.acquire(installationID, on: tx)
        let contracts = try await EmploymentContract.query(on: tx).filter(\.$installation.$id == installationID).count()
        let waiting = try await queued(for: installationID, on: tx)
        if !waiting.isEmpty { try await Job.query(on: tx).filter(\.$id ~~ waiting.compactMap(\.id)).delete() }
        try await JobQueue(db: tx).enqueue(kind: kind, payload: Payload(installation_id: installationID), maxAttempts: 10, runAt: now, on: tx)
        return contracts
    }

    /// The installation's queued steps (a handful at most).
    static func queued(for installationID: UUID, on db: any Database) async throws -> [Job] {
        try await JobQueue.planned(kind, [.queued], on: db).all().filter {
            (try? JSONDecoder().decode(Payload.self, from: Data($0.payload.utf8)))?.installation_id == installationID
        }
    }
}

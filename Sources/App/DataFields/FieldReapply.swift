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

    /// Queues the installation's re-apply unless one is under way. - Returns: its contracts.
    static func start(_ installationID: UUID, now: Date, on tx: any Database) async throws -> Int {
        let contracts = try await EmploymentContract.query(on: tx).filter(\.$installation.$id == installationID).count()
        let active = try await Job.query(on: tx).filter(\.$kind == kind).filter(\.$status ~~ [.queued, .running]).all()
        let underWay = active.contains { (try? JSONDecoder().decode(Payload.self, from: Data($0.payload.utf8)))?.installation_id == installationID }
        if !underWay {
            try await JobQueue(db: tx).enqueue(kind: kind, payload: Payload(installation_id: installationID), maxAttempts: 10, runAt: now, on: tx)
        }
        return contracts
    }
}

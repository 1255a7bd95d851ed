import Fluent
import Foundation
import Logging
import SQLKit

/// An admin's decision on a waiting setup (`setup.accept = approval`). Each decision takes the
/// request out of `pending` in one conditional statement, so two admins (or a double click)
/// cannot both decide it; an approval then runs the setup with the stored token.
struct SetupApprovals {
    let services: AppServices
    let db: any Database
    let logger: Logger

    enum Outcome {
        /// Approved and connected: the installation.
        case connected(Installation)
        /// Approved, but the setup could not finish (the reason); it can be tried again.
        case approvedNotConnected(SetupError)
    }

    /// Approves a pending request, or tries again one approved earlier whose setup did not
    /// finish before an installation was made. nil: no such request in either state.
    func approve(_ id: UUID) async throws -> (SetupRequest, Outcome)? {
        let now = services.clock.now
        let decided = try await decide(
            id, "status = \(bind: SetupRequest.Status.approved.rawValue), decided_at = \(bind: now)",
            where:
                "(status = \(bind: SetupRequest.Status.pending.rawValue) OR (status = \(bind: SetupRequest.Status.approved.rawValue) AND installation_id IS NULL))"
        )
        guard let request = decided, let sealed = request.tokenSealed, let token = try? services.secretBox.open(sealed) else { return nil }
        let writer = services.storage.writer(on: db)
        let installation: Installation
        do {
            installation = try await SetupService(services: services, db: db, logger: logger).connect(token: token)
        } catch {
            // The setup stopped after its installation was made: it holds the token now, and is
            // finished like any other (Re-provision, or the customer enabling the extension again).
            if let made = try await Installation.query(on: db).filter(\.$oneflowAccountID == request.oneflowAccountID).first() {
                request.installationID = made.id
                request.tokenSealed = nil
            }
            request.lastError = "\(error.title). \(error.message)"
            try await writer.save(request)
            return (request, .approvedNotConnected(error))
        }
        request.installationID = installation.id
        request.tokenSealed = nil  // the installation keeps it now
        request.lastError = nil
        try await writer.save(request)
        return (request, .connected(installation))
    }

    /// Refuses a pending request and forgets its token. nil: no such pending request.
    func refuse(_ id: UUID) async throws -> SetupRequest? {
        try await decide(
            id, "status = \(bind: SetupRequest.Status.refused.rawValue), decided_at = \(bind: services.clock.now), token_sealed = NULL",
            where: "status = \(bind: SetupRequest.Status.pending.rawValue)")
    }

    /// Sets `changes` on the request if `condition` holds, in one statement. - Returns: the
    /// request as it is then, or nil when the condition did not hold.
    private func decide(_ id: UUID, _ changes: SQLQueryString, where condition: SQLQueryString) async throws -> SetupRequest? {
        let changed = try await services.storage.writer(on: db).write(.background) { db in
            try await db.sql().raw("UPDATE setup_requests SET \(changes) WHERE id = \(bind: id) AND \(condition) RETURNING id").all()
        }
        guard !changed.isEmpty else { return nil }
        return try await SetupRequest.find(id, on: db)
    }
}

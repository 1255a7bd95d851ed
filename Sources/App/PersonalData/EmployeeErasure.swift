import Fluent
import Foundation
import Logging
import Vapor

/// Erasing one employee on request (`DELETE /api/v1/employees/{id}`, the admin's "Erase"):
/// everything `Erasure` removes, one notification `employee.erased` with only the id (so the
/// HR system can drop its copy), an audit entry of who erased whom (by id), and on SQLite the
/// write-ahead log emptied so the old pages leave the disk too (`AppStorage.releaseErased`).
struct EmployeeErasure {
    enum Refusal: Error, AbortError {
        /// A contract request of theirs is being created in Oneflow: erasing now would let its
        /// contract arrive after, and make the person again.
        case requestInFlight

        var status: HTTPResponseStatus { .conflict }
        var reason: String {
            "A contract request for this employee is being created in Oneflow; erase them when it has finished (in a minute or so)."
        }
    }

    let services: AppServices
    let db: any Database
    let logger: Logger

    var writer: any DatabaseWriter { services.storage.writer(on: db) }

    /// What erasing `employee` would remove, for the admin's confirmation.
    func preview(_ employee: Employee) async throws -> Erasure.Summary {
        try await Erasure.Targets.find([try employee.requireID()], installationID: employee.$installation.id, on: db).count(on: db)
    }

    /// Erases `employee`. - Throws: `Refusal.requestInFlight`.
    func erase(_ employee: Employee, by actor: AuditLog.Actor) async throws -> Erasure.Summary {
        let (employeeID, installationID, now) = (try employee.requireID(), employee.$installation.id, services.clock.now)
        let fallback = services.config.notify.endpoint != nil
        let (summary, files) = try await writer.transaction(.background) { tx in
            try await InstallationLock.acquire(installationID, on: tx)
            let inFlight = try await ContractRequest.query(on: tx).filter(\.$employee.$id == employeeID)
                .filter(\.$state == .queued).count()
            guard inFlight == 0 else { throw Refusal.requestInFlight }
            let targets = try await Erasure.Targets.find([employeeID], installationID: installationID, on: tx)
            let summary = try await targets.erase(locked: tx, now: now)
            guard summary.employees == 1 else { return (summary, [String]()) }
            if let installation = try await Installation.find(installationID, on: tx),
                let outbox = try await Outbox.announcing([installation], fallback: fallback, on: tx)
            {
                try await outbox.record(
                    .employee, .erased, data: ["id": employeeID.uuidString], subjectID: employeeID, employeeID: employeeID,
                    installationID: installationID, on: tx, now: now)
            }
            return (summary, targets.legacyFiles)
        }
        guard summary.employees == 1 else { throw Abort(.notFound, reason: "No such employee.") }
        Erasure.removeLegacyFiles(files, dataDirectory: services.config.dataDirectory, logger: logger)
        services.metrics.purged("employee_erased", rows: 1)
        await services.storage.releaseErased(with: writer, logger: logger)
        await services.audit(on: db, logger: logger).record(
            .employeeErased, by: actor, installation: installationID, subject: employeeID.uuidString, detail: summary.words)
        logger.info("erasure: employee erased", metadata: ["employee": "\(employeeID)", "installation": "\(installationID)"])
        return summary
    }
}

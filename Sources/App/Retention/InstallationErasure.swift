import Fluent
import Foundation
import Logging
import SQLKit

/// Offboarding: a customer disconnected for `retention.disconnected_days` has its people
/// erased — every employee as `Erasure` erases one, the contracts left without one, its
/// contract requests, notifications and webhook deliveries, its sending settings (a sender's
/// email) — unless an admin chose to keep them (`Installation.keepData`). Reconnecting before
/// then cancels it (`SetupService` clears the dates). The installation row stays, with when
/// its data was erased, so the admin page can say so and a new setup starts clean.
///
/// It goes in batches, each a transaction under the installation's lock that first reads the
/// installation again: a setup (which takes the same lock) or an admin's "Keep" meanwhile
/// stops it where it is, and nothing of the customer's new data is touched.
struct InstallationErasure {
    let services: AppServices
    /// Where it reads, and where it writes.
    let db: any Database
    let writer: any DatabaseWriter
    let logger: Logger

    /// Employees per transaction: one installation's lock is held for a batch, not for the whole erasure.
    static let batch = 100

    /// The customer came back, or an admin kept its records, while the erasure ran.
    struct Stopped: Error {}

    /// When `installation`'s records are erased; nil: they are not (connected, kept, erased
    /// already, or `retention.disconnected_days` is 0).
    static func erasureDate(of installation: Installation, settings: AppConfig.Retention) -> Date? {
        guard installation.status == .disconnected, !installation.keepData, installation.dataErasedAt == nil,
            settings.disconnectedDays > 0, let since = installation.disconnectedAt
        else { return nil }
        return since.addingTimeInterval(Double(settings.disconnectedDays) * 86400)
    }

    /// Erases every installation whose date has come. - Returns: how many.
    func eraseDue(now: Date) async throws -> Int {
        let candidates = try await Installation.query(on: db).filter(\.$status == .disconnected)
            .filter(\.$keepData == false).filter(\.$dataErasedAt == nil).all()
        var erased = 0
        for installation in candidates {
            guard let date = Self.erasureDate(of: installation, settings: services.config.retention), date <= now else { continue }
            do {
                _ = try await erase(installation, by: .retention, now: now)
                erased += 1
            } catch is Stopped {
                logger.info("erasure: stopped, the customer set up again or its records are kept", metadata: ["installation": "\(installation.id!)"])
            }
        }
        return erased
    }

    /// Erases `installation`'s records now: its date came (`.retention`), or an admin chose
    /// "Erase now", which a kept installation also allows. - Throws: `Stopped`.
    func erase(_ installation: Installation, by actor: AuditLog.Actor, now: Date) async throws -> Erasure.Summary {
        let installationID = try installation.requireID()
        let honoursKeep = if case .retention = actor { true } else { false }
        var summary = Erasure.Summary()
        var files: [String] = []
        while true {
            let (part, legacy) = try await locked(installationID, honoursKeep: honoursKeep) { tx in
                let employees = try await Employee.query(on: tx).filter(\.$installation.$id == installationID).limit(Self.batch).all()
                    .map { try $0.requireID() }
                let targets = try await Erasure.Targets.find(employees, installationID: installationID, on: tx)
                return (try await targets.erase(locked: tx, now: now), targets.legacyFiles)
            }
            summary = summary + part
            files += legacy
            if part.employees < Self.batch { break }
        }
        summary = summary + (try await eraseRest(installationID, honoursKeep: honoursKeep, now: now))
        Erasure.removeLegacyFiles(files, dataDirectory: services.config.dataDirectory, logger: logger)
        services.metrics.purged("installation_erased", rows: 1)
        await services.storage.releaseErased(with: writer, logger: logger)
        await AuditLog(writer: writer, clock: services.clock, logger: logger).record(
            .installationDataErased, by: actor, installation: installationID, detail: summary.words)
        logger.info("erasure: a disconnected customer's records were erased", metadata: ["installation": "\(installationID)"])
        return summary
    }

    /// `body` in a transaction holding the installation's lock, if it is still to be erased.
    private func locked<T: Sendable>(_ installationID: UUID, honoursKeep: Bool, _ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        try await writer.transaction(.background) { tx in
            try await InstallationLock.acquire(installationID, on: tx)
            guard let current = try await Installation.find(installationID, on: tx), current.status == .disconnected,
                current.dataErasedAt == nil, !(honoursKeep && current.keepData)
            else { throw Stopped() }
            return try await body(tx)
        }
    }

    /// What no employee holds: contracts without one (tombstoned too), requests for new hires
    /// never made, notifications, deliveries (in batches), the sending settings; then the
    /// installation marked erased, in the last batch's transaction.
    private func eraseRest(_ installationID: UUID, honoursKeep: Bool, now: Date) async throws -> Erasure.Summary {
        var summary = try await locked(installationID, honoursKeep: honoursKeep) { tx in
            let sql = try tx.sql()
            try await Erasure.tombstone(contractsWhere: "installation_id = \(bind: installationID)", now: now, on: sql)
            var part = Erasure.Summary()
            part.contracts = try await sql.changedRows("DELETE FROM employment_contracts WHERE installation_id = \(bind: installationID)")
            part.contractRequests = try await sql.changedRows("DELETE FROM contract_requests WHERE installation_id = \(bind: installationID)")
            // Its batches' refused rows hold no personal data, but the batches are the customer's.
            _ = try await sql.changedRows("DELETE FROM contract_batches WHERE installation_id = \(bind: installationID)")
            try await sql.raw("DELETE FROM settings WHERE name = \(bind: UploadMappings.name(installationID))").run()
            try await sql.raw("DELETE FROM installation_data_fields WHERE installation_id = \(bind: installationID)").run()
            part.notifications = try await sql.changedRows("DELETE FROM outbound_notifications WHERE installation_id = \(bind: installationID)")
            _ = try await sql.changedRows("DELETE FROM sending_settings WHERE installation_id = \(bind: installationID)")
            return part
        }
        let batch = services.config.retention.batchSize
        while true {
            let deleted = try await locked(installationID, honoursKeep: honoursKeep) { tx in
                try await tx.sql().changedRows(
                    """
                    DELETE FROM webhook_deliveries WHERE id IN (
                      SELECT id FROM webhook_deliveries WHERE installation_id = \(bind: installationID) LIMIT \(literal: batch))
                    """)
            }
            summary.deliveries += deleted
            if deleted < batch { break }
        }
        try await locked(installationID, honoursKeep: honoursKeep) { tx in
            // The admin's email it acted as, too.
            try await Installation.query(on: tx).filter(\.$id == installationID)
                .set(\.$keepData, to: false).set(\.$dataErasedAt, to: now).set(\.$userEmail, to: nil).update()
        }
        return summary
    }
}

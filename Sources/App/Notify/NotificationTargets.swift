import Fluent
import Foundation
import SQLKit

/// Which destination each installation's notifications go to: its own `NotificationTarget`,
/// else `notify.*`, else none (nothing is recorded for it, `Outbox.announcing`).
struct NotificationTargets: Sendable {
    /// `notify.*`, when `notify.endpoint` is set.
    let fallback: NotificationDestination?
    let box: SecretBox

    /// The installations among `ids` with a target of their own.
    static func installations(among ids: [UUID], on db: any Database) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        // Plain SQL: asked inside every sync write transaction (`Outbox.announcing`), with
        // SQLite's write lock held, where Fluent's query builder is dear (`RowDecodable` says how).
        let rows = try await db.sql().raw("SELECT installation_id FROM notification_targets WHERE installation_id IN (\(binds: ids))").all()
        return Set(try rows.map { try $0.decode(column: "installation_id", as: UUID.self) })
    }

    /// Every installation with a target of its own.
    static func all(on db: any Database) async throws -> [UUID] {
        try await NotificationTarget.query(on: db).field(\.$installation.$id).all().map { $0.$installation.id }
    }

    /// Where a notification of `installationID` goes now; nil: nowhere (it waits).
    func destination(for installationID: UUID?, on db: any Database) async throws -> NotificationDestination? {
        guard let installationID,
            let target = try await NotificationTarget.query(on: db).filter(\.$installation.$id == installationID).first()
        else { return fallback }
        return try destination(of: target)
    }

    func destination(of target: NotificationTarget) throws -> NotificationDestination {
        NotificationDestination(
            endpoint: target.endpoint, key: try target.keySealed.map(box.open), secret: try target.secretSealed.map(box.open),
            timeoutSeconds: target.timeoutSeconds,
            tls: OutboundTLS(trustPEM: target.caPEM, certificatePEM: target.clientCertificatePEM, keyPEM: try target.clientKeySealed.map(box.open)))
    }
}

import Fluent
import Foundation

/// Saving and removing an installation's own notification target. A target is stored only
/// after a test POST to it answered 2xx, so a typo is caught by the admin who made it, not
/// by the first notification.
struct NotificationTargetSettings {
    let db: any Database
    let writer: any DatabaseWriter
    let targets: NotificationTargets
    let http: any OutboundHTTP
    let clock: any AppClock

    func stored(for installation: Installation) async throws -> NotificationTarget? {
        try await NotificationTarget.query(on: db).filter(\.$installation.$id == installation.requireID()).first()
    }

    /// Validates, test-POSTs and stores `form` as `installation`'s target, sealing what is secret.
    /// - Throws: `NotificationTargetForm.Refusal` with the reason, and nothing changed.
    @discardableResult
    func save(_ form: NotificationTargetForm, for installation: Installation) async throws -> NotificationTarget {
        let existing = try await stored(for: installation)
        let stored = try existing.map { try targets.destination(of: $0) }
        let destination = try form.destination(over: stored)
        if let failure = await destination.post(try Self.testBody(for: installation, now: clock.now), via: http) {
            throw NotificationTargetForm.Refusal("The endpoint did not accept a test notification (\(failure)); nothing was saved.")
        }
        let now = clock.now
        let target = try existing ?? NotificationTarget(installationID: installation.requireID(), at: now)
        target.endpoint = destination.endpoint
        target.keySealed = try destination.key.map(targets.box.seal)
        target.secretSealed = try destination.secret.map(targets.box.seal)
        target.timeoutSeconds = destination.timeoutSeconds
        target.caPEM = destination.tls.trustPEM
        target.clientCertificatePEM = destination.tls.certificatePEM
        target.clientKeySealed = try destination.tls.keyPEM.map(targets.box.seal)
        target.verifiedAt = now
        do {
            try await writer.save(target)
        } catch  where existing == nil {
            // Another admin's first save of this installation's target won (its unique index).
            throw NotificationTargetForm.Refusal("Another save of this target finished first; look at the page and save again if needed.")
        }
        return target
    }

    /// Back to `notify.*`. - Returns: whether there was a target to remove.
    func remove(for installation: Installation) async throws -> Bool {
        let id = try installation.requireID()
        return try await writer.transaction(.background) { tx in
            guard let target = try await NotificationTarget.query(on: tx).filter(\.$installation.$id == id).first() else { return false }
            try await target.delete(on: tx)
            return true
        }
    }

    /// What the test POST carries: the shape of every notification, with `type` "test" and no data.
    static func testBody(for installation: Installation, now: Date) throws -> String {
        let body = Outbox.Body(
            timestamp: Int(now.timeIntervalSince1970), type: "test", reason: "target_saved", installation: try InstallationReference(installation),
            data: [String: String]())
        return String(decoding: try JSONEncoder.sorted.encode(body), as: UTF8.self)
    }
}

import Foundation

/// Reading and writing an installation's sealed secrets: the extension token and the
/// webhook sign keys. Plain values exist only in memory, never in a log or a page.
struct InstallationSecrets: Sendable {
    let box: SecretBox

    func token(of installation: Installation) throws -> String? {
        try installation.tokenSealed.map(box.open)
    }

    func storeToken(_ token: String, in installation: Installation) throws {
        installation.tokenSealed = try box.seal(token)
    }

    /// The sign keys a webhook signature may be made with now: the current one and, during a
    /// rotation's grace period, the previous one.
    func signKeys(of installation: Installation, now: Date) throws -> [String] {
        var keys: [String] = []
        if let current = installation.signKeySealed { keys.append(try box.open(current)) }
        if let previous = installation.previousSignKeySealed, let until = installation.previousSignKeyExpiresAt, until > now {
            keys.append(try box.open(previous))
        }
        return keys
    }

    /// The sign key to register: the stored one, or a fresh one (≥ 32 bytes of entropy) on
    /// first setup or when `rotate` is asked; a rotated-out key stays valid for `grace`.
    func ensureSignKey(of installation: Installation, rotate: Bool, grace: TimeInterval, now: Date) throws -> String {
        if !rotate, let current = installation.signKeySealed { return try box.open(current) }
        let fresh = RandomToken.make(bytes: 32)
        if let current = installation.signKeySealed {
            installation.previousSignKeySealed = current
            installation.previousSignKeyExpiresAt = now.addingTimeInterval(grace)
        }
        installation.signKeySealed = try box.seal(fresh)
        return fresh
    }

    /// Forgets every secret (disconnect).
    func wipe(_ installation: Installation) {
        installation.tokenSealed = nil
        installation.signKeySealed = nil
        installation.previousSignKeySealed = nil
        installation.previousSignKeyExpiresAt = nil
    }
}

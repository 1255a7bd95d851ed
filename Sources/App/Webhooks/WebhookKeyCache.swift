import Foundation
import Synchronization

/// The installation behind a webhook key, with its decrypted sign keys, for a moment: a burst
/// of notifications reads and decrypts the installation row once, not once per request.
/// Only live installations are kept; a disconnect or a sign-key rotation is seen by every
/// process within `lifetime` (one second by default).
final class WebhookKeyCache: Sendable {
    struct Entry: Sendable {
        var installationID: UUID
        var signKeys: [String]
        /// When one of `signKeys` (a rotated-out key) stops being valid: the entry ends then.
        var keysValidUntil: Date?
    }

    private let entries = Mutex<[String: (entry: Entry, until: ContinuousClock.Instant)]>([:])
    private let lifetime: Duration

    init(lifetime: Duration = .seconds(1)) {
        self.lifetime = lifetime
    }

    /// The cached entry for `key`, or `load()`'s (cached when not nil).
    func entry(for key: String, load: () async throws -> Entry?) async throws -> Entry? {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), hit.until > now { return hit.entry }
        guard let loaded = try await load() else {
            entries.withLock { _ = $0.removeValue(forKey: key) }
            return nil
        }
        let keysLeft = loaded.keysValidUntil.map { Duration.seconds(max(0, $0.timeIntervalSinceNow)) } ?? lifetime
        entries.withLock { $0[key] = (loaded, now + min(lifetime, keysLeft)) }
        return loaded
    }
}

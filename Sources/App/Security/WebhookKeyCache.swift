import Foundation
import Synchronization

/// The installation behind a webhook key, with its decrypted sign keys, for a moment: a burst
/// of notifications reads and decrypts the installation row once, not once per request.
/// Only live installations are kept; a disconnect or a sign-key rotation is seen by every
/// process within `lifetime` (one second by default). A rotation done in this process drops
/// the entry at once (`forget`). Another process may check with the keys it read before the
/// rotation for up to `lifetime`: the key it lacks is the new one, and Oneflow only signs with
/// it once the webhook is updated — a notification refused in that second is retried
/// (https://developer.oneflow.com/docs/webhook-and-event). The old key it still has stays
/// valid for `setup.sign_key_grace_seconds` (one day by default), far longer than `lifetime`.
final class WebhookKeyCache: Sendable {
    struct Entry: Sendable {
        var installationID: UUID
        var signKeys: [String]
        /// When one of `signKeys` (a rotated-out key) stops being valid: the entry ends then.
        var keysValidUntil: Date?
    }

    private let entries = Mutex<[String: (entry: Entry, until: Date)]>([:])
    private let lifetime: TimeInterval
    private let clock: any AppClock

    init(lifetime: TimeInterval = 1, clock: any AppClock) {
        self.lifetime = lifetime
        self.clock = clock
    }

    /// The cached entry for `key`, or `load()`'s (cached when not nil).
    func entry(for key: String, load: () async throws -> Entry?) async throws -> Entry? {
        let now = clock.now
        // An entry never lives longer than `lifetime`, even if the wall clock steps back.
        if let hit = entries.withLock({ $0[key] }), hit.until > now, hit.until.timeIntervalSince(now) <= lifetime { return hit.entry }
        guard let loaded = try await load() else {
            entries.withLock { _ = $0.removeValue(forKey: key) }
            return nil
        }
        let keysLeft = loaded.keysValidUntil.map { max(0, $0.timeIntervalSince(now)) } ?? lifetime
        entries.withLock { $0[key] = (loaded, now.addingTimeInterval(min(lifetime, keysLeft))) }
        return loaded
    }

    /// Drops `key`'s entry: its installation's sign keys just changed in this process.
    func forget(_ key: String) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }
}

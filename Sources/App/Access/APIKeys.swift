import Crypto
import Fluent
import Foundation

/// Scoped keys: made, listed and revoked for one installation (the admin page, `hrbridge
/// api-key`), and recognised on a request (`APIKeyMiddleware`).
struct APIKeys {
    let db: any Database
    let writer: any DatabaseWriter
    let clock: any AppClock

    /// Every scoped key starts so, which tells it from an operator key at a glance (and in a leak scanner).
    static let keyPrefix = "hrb_"
    /// How long a key's `last_used_at` may lag: a busy key is not written on every request.
    static let lastUsedResolution: TimeInterval = 60

    enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidName
        case disconnected
        var description: String {
            switch self {
            case .invalidName: "A key needs a name of 1 to 100 characters, without line breaks, to tell it from the installation's other keys."
            case .disconnected: "The installation is disconnected: its data may be read with an operator key, but it gets no new keys."
            }
        }
    }

    /// A new key for `installation`. - Returns: the stored key and the key itself, which is
    /// shown this once: only its hash is kept.
    func create(for installation: Installation, name: String) async throws -> (key: APIKey, secret: String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count), !name.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) else {
            throw Failure.invalidName
        }
        guard installation.status != .disconnected else { throw Failure.disconnected }
        let secret = Self.keyPrefix + RandomToken.make(bytes: 32)
        let key = APIKey(
            installationID: try installation.requireID(), name: name, keyHash: Self.hash(secret), keyPrefix: String(secret.prefix(12)),
            at: clock.now)
        try await writer.create(key)
        return (key, secret)
    }

    /// Revokes one of the installation's keys at once (nil: it has no such key).
    /// - Returns: the key, and whether this call revoked it (false: it was already).
    func revoke(_ id: UUID, of installationID: UUID) async throws -> (key: APIKey, revokedNow: Bool)? {
        guard let key = try await APIKey.query(on: db).filter(\.$id == id).filter(\.$installation.$id == installationID).first() else { return nil }
        guard key.revokedAt == nil else { return (key, false) }
        key.revokedAt = clock.now
        try await writer.save(key)
        return (key, true)
    }

    /// The installation's keys, newest first, revoked ones included.
    func list(of installationID: UUID) async throws -> [APIKey] {
        try await APIKey.query(on: db).filter(\.$installation.$id == installationID).sort(\.$createdAt, .descending).all()
    }

    /// The live key `secret` names, with its installation: not revoked, the installation not disconnected.
    func find(_ secret: String) async throws -> APIKey? {
        guard secret.hasPrefix(Self.keyPrefix) else { return nil }
        guard let key = try await APIKey.query(on: db).filter(\.$keyHash == Self.hash(secret)).with(\.$installation).first(),
            key.revokedAt == nil, key.installation.status != .disconnected
        else { return nil }
        return key
    }

    /// Notes that `key` was used now, at most once per `lastUsedResolution`. A failure here
    /// never fails the request it was used for.
    func touch(_ key: APIKey) async {
        let now = clock.now
        guard key.lastUsedAt.map({ now.timeIntervalSince($0) >= Self.lastUsedResolution }) ?? true, let id = key.id else { return }
        try? await writer.write(.background) { db in
            try await APIKey.query(on: db).filter(\.$id == id).set(\.$lastUsedAt, to: now).update()
        }
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).lowercaseHex
    }
}

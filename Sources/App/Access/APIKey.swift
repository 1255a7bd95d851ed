import Fluent
import Foundation

/// A key to one installation's part of the HR API (a scoped key): made on the installation's
/// admin page or by `hrbridge api-key create`, shown once, kept only as its SHA-256. Keys in
/// `api.keys` are the operator's and see every installation (`APIScope`).
final class APIKey: Model, @unchecked Sendable {
    static let schema = "api_keys"

    @ID(key: .id) var id: UUID?
    @Parent(key: "installation_id") var installation: Installation
    /// Who uses it ("payroll sync", "rotation 2027"): shown on the admin page and in the log.
    @Field(key: "name") var name: String
    /// SHA-256 (hex) of the key: enough to recognise it, useless to send.
    @Field(key: "key_hash") var keyHash: String
    /// The key's first characters, to tell keys apart on the page (too few to use one).
    @Field(key: "key_prefix") var keyPrefix: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}

    init(installationID: UUID, name: String, keyHash: String, keyPrefix: String, at time: Date) {
        id = .timeOrdered(at: time)
        $installation.id = installationID
        self.name = name
        self.keyHash = keyHash
        self.keyPrefix = keyPrefix
        createdAt = time
    }
}

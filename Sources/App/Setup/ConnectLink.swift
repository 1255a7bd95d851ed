import Fluent
import Foundation

/// A one-time link the HR system asked for (`POST /api/v1/connect-links`) to connect one of
/// its customers: the customer's admin opens it, then enables the extension in Oneflow, and
/// the setup binds the new installation to `customerReference`. Only a hash of the link's
/// secret is kept. The first Oneflow account whose setup uses it claims it (a failed setup
/// may try again with it); a finished setup uses it up.
final class ConnectLink: Model, @unchecked Sendable {
    static let schema = "connect_links"

    enum State: String, Codable, Sendable {
        /// Not used yet and not expired.
        case open
        case used
        case expired
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    /// The HR system's own name for its customer (not personal data: an id of theirs).
    @Field(key: "customer_reference") var customerReference: String
    /// Who asked for it (an API key's description, for the audit trail and the admin page).
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    /// The Oneflow account whose setup claimed it.
    @OptionalField(key: "oneflow_account_id") var oneflowAccountID: Int?
    @OptionalField(key: "used_at") var usedAt: Date?
    /// The installation its setup bound to the reference.
    @OptionalField(key: "installation_id") var installationID: UUID?

    init() {}

    init(tokenHash: String, customerReference: String, createdBy: String, at time: Date, validFor: TimeInterval) {
        id = .timeOrdered(at: time)
        (self.tokenHash, self.customerReference, self.createdBy, createdAt, expiresAt) = (
            tokenHash, customerReference, createdBy, time, time.addingTimeInterval(validFor)
        )
    }

    func state(at now: Date) -> State {
        if usedAt != nil { return .used }
        return expiresAt <= now ? .expired : .open
    }
}

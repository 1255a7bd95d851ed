import Fluent
import Foundation

/// A new Oneflow account's setup waiting for an admin (`setup.accept = approval`): its token,
/// sealed, until the admin approves (the setup then runs with it) or refuses (it is wiped).
final class SetupRequest: Model, @unchecked Sendable {
    static let schema = "setup_requests"

    enum Status: String, Codable, Sendable {
        case pending, approved, refused
        /// The account got its installation another way meanwhile (the mode changed, or an
        /// earlier request's setup finished): nothing left to decide, the token is wiped.
        case superseded
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "oneflow_account_id") var oneflowAccountID: Int
    @Field(key: "account_name") var accountName: String
    /// The extension token, sealed (`SecretBox`); nil once approved or refused.
    @OptionalField(key: "token_sealed") var tokenSealed: String?
    @Enum(key: "status") var status: Status
    @Field(key: "requested_at") var requestedAt: Date
    @OptionalField(key: "decided_at") var decidedAt: Date?
    /// The installation an approval made.
    @OptionalField(key: "installation_id") var installationID: UUID?
    /// Why the last approval could not finish (Oneflow unreachable …): shown to the admin.
    @OptionalField(key: "last_error") var lastError: String?

    init() {}

    init(oneflowAccountID: Int, accountName: String, tokenSealed: String, at time: Date) {
        id = .timeOrdered(at: time)
        (self.oneflowAccountID, self.accountName, self.tokenSealed, status, requestedAt) = (
            oneflowAccountID, accountName, tokenSealed, .pending, time
        )
    }
}

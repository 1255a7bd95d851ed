import Fluent
import Foundation
import Vapor

/// One Oneflow account that enabled our extension. Keyed by the Oneflow account id, so a
/// second setup of the same account updates this row instead of adding one.
/// Token and sign keys are stored sealed (`SecretBox`), never in clear.
public final class Installation: Model, @unchecked Sendable {
    public static let schema = "installations"

    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Setup started and has not finished yet (resumable).
        case provisioning
        case active
        /// Setup failed part-way; the next attempt resumes.
        case error
        /// Disconnected by an admin, or Oneflow answered 401 (token revoked).
        case disconnected
    }

    @ID(key: .id) public var id: UUID?
    @Field(key: "oneflow_account_id") public var oneflowAccountID: Int
    @Field(key: "account_name") public var accountName: String
    @Enum(key: "status") public var status: Status
    @OptionalField(key: "token_sealed") public var tokenSealed: String?
    @OptionalField(key: "user_email") public var userEmail: String?
    @OptionalField(key: "sign_key_sealed") public var signKeySealed: String?
    @OptionalField(key: "previous_sign_key_sealed") public var previousSignKeySealed: String?
    @OptionalField(key: "previous_sign_key_expires_at") public var previousSignKeyExpiresAt: Date?
    /// The unguessable path segment of our callback URL: `/webhooks/oneflow/{webhookKey}`.
    @Field(key: "webhook_key") public var webhookKey: String
    @OptionalField(key: "template_type_id") public var templateTypeID: Int?
    @OptionalField(key: "webhook_id") public var webhookID: Int?
    /// The last provisioning step that completed, so a failed setup resumes after it.
    @OptionalField(key: "setup_step") public var setupStep: String?
    @OptionalField(key: "last_error") public var lastError: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?
    @OptionalField(key: "disconnected_at") public var disconnectedAt: Date?
    /// The HR system's reference of the customer this account belongs to, bound by the
    /// connection link its setup used (`ConnectLink`); nil when it was set up without one.
    @OptionalField(key: "hr_customer_reference") public var hrCustomerReference: String?
    /// Reconciliation re-reads contracts changed since this time.
    @OptionalField(key: "last_reconciled_at") public var lastReconciledAt: Date?
    /// An admin chose to keep a disconnected customer's records past `retention.disconnected_days`.
    @Field(key: "keep_data") public var keepData: Bool
    /// When a disconnected customer's records were erased (`InstallationErasure`).
    @OptionalField(key: "data_erased_at") public var dataErasedAt: Date?

    public init() {}

    public init(id: UUID? = nil, oneflowAccountID: Int, accountName: String, webhookKey: String, status: Status = .provisioning) {
        self.id = id
        self.oneflowAccountID = oneflowAccountID
        self.accountName = accountName
        self.webhookKey = webhookKey
        self.status = status
        self.keepData = false
    }
}

extension Installation {
    /// The installation a command names: by its id (UUID) or by its Oneflow account id.
    static func named(_ reference: String, on db: any Database) async throws -> Installation {
        let query = Installation.query(on: db)
        if let id = UUID(uuidString: reference) {
            query.filter(\.$id == id)
        } else if let account = Int(reference) {
            query.filter(\.$oneflowAccountID == account)
        } else {
            throw Abort(.badRequest, reason: "'\(reference)' is neither an installation id nor a Oneflow account id")
        }
        guard let installation = try await query.first() else { throw Abort(.notFound, reason: "No installation \(reference)") }
        return installation
    }
}

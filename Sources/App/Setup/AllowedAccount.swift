import Fluent
import Foundation

/// A Oneflow account an admin allowed to install under `setup.accept = allowlist` (besides
/// `setup.allowed_accounts`).
final class AllowedAccount: Model, @unchecked Sendable {
    static let schema = "allowed_accounts"

    @ID(key: .id) var id: UUID?
    @Field(key: "oneflow_account_id") var oneflowAccountID: Int
    /// Whose account it is, for the admin ("Acme AB, signed 2026-12-01").
    @Field(key: "note") var note: String
    @Field(key: "added_at") var addedAt: Date

    init() {}

    init(oneflowAccountID: Int, note: String, at time: Date) {
        id = .timeOrdered(at: time)
        (self.oneflowAccountID, self.note, addedAt) = (oneflowAccountID, note, time)
    }
}

/// Who may install (`setup.accept`). An account that has an installation may always set up
/// again (re-enable, re-provision), whatever the mode.
struct InstallPolicy {
    let db: any Database
    let setup: AppConfig.Setup

    func mayInstall(oneflowAccountID: Int) async throws -> Bool {
        if try await Installation.query(on: db).filter(\.$oneflowAccountID == oneflowAccountID).first() != nil { return true }
        switch setup.accept {
        case .any: return true
        case .allowlist:
            if setup.allowedAccounts.contains(oneflowAccountID) { return true }
            return try await AllowedAccount.query(on: db).filter(\.$oneflowAccountID == oneflowAccountID).first() != nil
        }
    }
}

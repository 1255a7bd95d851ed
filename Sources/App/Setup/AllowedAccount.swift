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
/// again (re-enable, re-provision), whatever the mode; so may one whose setup holds a
/// connection link the HR system asked for (`ConnectLink`): the operator vouched for it.
struct InstallPolicy {
    let db: any Database
    let setup: AppConfig.Setup

    enum Verdict: Equatable {
        case install
        case refuse
        /// Store the request; an admin decides (`SetupRequest`).
        case ask
    }

    func verdict(oneflowAccountID: Int, linked: Bool = false) async throws -> Verdict {
        if linked { return .install }
        if try await Installation.query(on: db).filter(\.$oneflowAccountID == oneflowAccountID).first() != nil { return .install }
        switch setup.accept {
        case .any: return .install
        case .allowlist:
            if setup.allowedAccounts.contains(oneflowAccountID) { return .install }
            return try await AllowedAccount.query(on: db).filter(\.$oneflowAccountID == oneflowAccountID).first() != nil ? .install : .refuse
        case .approval:
            let approved = try await SetupRequest.query(on: db).filter(\.$oneflowAccountID == oneflowAccountID).filter(\.$status == .approved)
                .first()
            return approved != nil ? .install : .ask
        case .link: return .refuse
        }
    }

    func mayInstall(oneflowAccountID: Int) async throws -> Bool {
        try await verdict(oneflowAccountID: oneflowAccountID) == .install
    }
}

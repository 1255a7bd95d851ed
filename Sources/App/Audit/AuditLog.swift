import Fluent
import Foundation
import Logging
import Vapor

/// The audit trail's one way in: what an admin, the command line or an API key did, recorded
/// after it happened. A trail write that fails is logged and does not undo the action.
struct AuditLog {
    let writer: any DatabaseWriter
    let clock: any AppClock
    let logger: Logger

    enum Action: String, CaseIterable, Sendable {
        case apiKeyCreated = "api_key.created"
        case apiKeyRevoked = "api_key.revoked"
        case reprovisioned = "installation.reprovisioned"
        case signKeyRotated = "installation.sign_key_rotated"
        case disconnected = "installation.disconnected"
        case deliveryReplayed = "delivery.replayed"
        case notificationResent = "notification.resent"
        case accountAllowed = "setup.account_allowed"
        case accountRemoved = "setup.account_removed"
        case setupApproved = "setup.approved"
        case setupRefused = "setup.refused"
        case notificationTargetSaved = "notification_target.saved"
        case notificationTargetRemoved = "notification_target.removed"
        case connectLinkCreated = "connect_link.created"
        case connectLinkUsed = "connect_link.used"
        case sendingSettingsSaved = "sending.settings_saved"
        case employeeErased = "employee.erased"
        case employeeExported = "employee.exported"
        case installationDataErased = "installation.data_erased"
        case installationDataKept = "installation.data_kept"
        case dataFieldsSaved = "installation.data_fields_saved"
        case dataFieldsReapplied = "installation.data_fields_reapplied"

        /// How the admin page says it.
        var label: String {
            switch self {
            case .apiKeyCreated: "API key made"
            case .apiKeyRevoked: "API key revoked"
            case .reprovisioned: "Provisioned again"
            case .signKeyRotated: "Sign key rotated"
            case .disconnected: "Disconnected"
            case .deliveryReplayed: "Delivery replayed"
            case .notificationResent: "Notification sent again"
            case .accountAllowed: "Account allowed to install"
            case .accountRemoved: "Account no longer allowed"
            case .setupApproved: "Setup approved"
            case .setupRefused: "Setup refused"
            case .notificationTargetSaved: "Notification target saved"
            case .notificationTargetRemoved: "Notification target removed"
            case .connectLinkCreated: "Connection link made"
            case .connectLinkUsed: "Connection link used"
            case .sendingSettingsSaved: "Sending settings saved"
            case .employeeErased: "Employee erased"
            case .employeeExported: "Employee's data exported"
            case .installationDataErased: "Customer's records erased"
            case .installationDataKept: "Customer's records kept"
            case .dataFieldsSaved: "Data fields saved"
            case .dataFieldsReapplied: "Data fields re-applied to existing employees"
            }
        }
    }

    /// Who acts: an admin's session (by a short hash of its id, which opens nothing), the
    /// command line, or an API key by its name.
    enum Actor {
        case admin(Request)
        case commandLine
        case apiKey(name: String)
        /// The setup a Oneflow account's admin ran (the Setup URL).
        case oneflowSetup(accountID: Int)
        /// The worker's retention job (`retention.*`).
        case retention

        var description: String {
            switch self {
            case .admin(let req):
                let session = req.session.id.map { String(BrowserSessions.key($0).prefix(8)) } ?? "none"
                return "admin (session \(session))"
            case .commandLine: return "command line"
            case .apiKey(let name): return "api key \"\(name)\""
            case .oneflowSetup(let accountID): return "setup of Oneflow account \(accountID)"
            case .retention: return "retention"
            }
        }
    }

    func record(_ action: Action, by actor: Actor, installation: UUID?, subject: String? = nil, detail: String = "") async {
        let event = AuditEvent(
            at: clock.now, actor: actor.description, action: action.rawValue, installationID: installation, subject: subject,
            detail: String(detail.prefix(500)))
        do {
            try await writer.create(event)
        } catch {
            logger.error("audit: could not record", metadata: ["action": "\(action.rawValue)", "error": "\(ErrorText.log(error))"])
        }
    }
}

extension AppServices {
    /// The audit trail, written on `db`'s writer.
    func audit(on db: any Database, logger: Logger) -> AuditLog {
        AuditLog(writer: storage.writer(on: db), clock: clock, logger: logger)
    }
}

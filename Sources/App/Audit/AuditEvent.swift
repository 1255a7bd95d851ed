import Fluent
import Foundation

/// One thing someone did to a customer's set-up or data: who (an admin session, the command
/// line, an API key by name), what, when, for which installation. Ids, names and outcomes
/// only: never a secret or personal data (no key, token, email, name of an employee).
final class AuditEvent: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    /// `admin (session 1a2b3c4d)`, `command line`, `api key "payroll"`.
    @Field(key: "actor") var actor: String
    /// `AuditLog.Action`'s raw value.
    @Field(key: "action") var action: String
    /// Kept as a plain id, not a relation: the trail outlives whatever it names.
    @OptionalField(key: "installation_id") var installationID: UUID?
    /// What was acted on: a key's id, a delivery's id …
    @OptionalField(key: "subject") var subject: String?
    @Field(key: "detail") var detail: String

    init() {}

    init(at: Date, actor: String, action: String, installationID: UUID?, subject: String?, detail: String) {
        id = .timeOrdered(at: at)
        (self.at, self.actor, self.action, self.installationID, self.subject, self.detail) = (at, actor, action, installationID, subject, detail)
    }
}

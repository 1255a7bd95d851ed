import Fluent
import Foundation

/// Writes outbound notifications in the transaction of the HR change they announce, so a
/// change is never recorded without its notification, nor announced without being recorded.
/// Body: `{"timestamp": <unix seconds>, "type", "reason", "installation": {id, oneflow_account_id,
/// oneflow_account_name}, "data": {…the record as the JSON API returns it…}}`.
struct Outbox: Sendable {
    enum RecordType: String {
        case employee, contract, document
        case contractRequest = "contract_request"
    }
    /// What happened; a contract request's reasons are the states it reaches (`sent`, `signed` …).
    enum Reason: String { case created, updated, deleted, sent, failed, signed, declined, expired, erased }

    struct Body<T: Encodable>: Encodable {
        var timestamp: Int
        var type: String
        var reason: String
        var installation: InstallationReference
        var data: T
    }

    /// The installations whose changes are announced: those with somewhere to send them.
    let announced: [UUID: InstallationReference]

    /// The outbox for changes of `installations`: all of them with `notify.endpoint` set, else
    /// those with a target of their own. nil when none has anywhere to go.
    static func announcing(_ installations: [Installation], fallback: Bool, on db: any Database) async throws -> Outbox? {
        var references: [UUID: InstallationReference] = [:]
        for installation in installations { references[try installation.requireID()] = try InstallationReference(installation) }
        if !fallback {
            let own = try await NotificationTargets.installations(among: Array(references.keys), on: db)
            references = references.filter { own.contains($0.key) }
        }
        return references.isEmpty ? nil : Outbox(announced: references)
    }

    func record(
        _ type: RecordType, _ reason: Reason, data: some Encodable, subjectID: UUID?, employeeID: UUID?,
        installationID: UUID, on db: any Database, now: Date
    ) async throws {
        guard let installation = announced[installationID] else { return }
        let body = Body(
            timestamp: Int(now.timeIntervalSince1970), type: type.rawValue, reason: reason.rawValue, installation: installation, data: data)
        let text = String(decoding: try JSONEncoder.sorted.encode(body), as: UTF8.self)
        // In order per employee: the key every notification about them shares.
        let key = employeeID?.uuidString ?? subjectID?.uuidString ?? "none"
        try await OutboundNotification(
            installationID: installationID, type: type.rawValue, reason: reason.rawValue, subjectID: subjectID,
            orderingKey: key, body: text, now: now
        ).create(on: db)
    }
}

extension JSONEncoder {
    /// Stable output, so equal dictionaries are equal strings.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

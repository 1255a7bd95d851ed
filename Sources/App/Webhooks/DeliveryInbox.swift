import Fluent
import Foundation
import OneflowAPI
import SQLKit
import Vapor

/// The inbox: delivery rows and their sync jobs, committed together.
///
/// Written with SQLKit rather than Fluent models: this is the ack path, and Fluent finds a
/// model's fields by reflection on every save — in the ack benchmark's profile that was a
/// third of the CPU per request (bench/RESULTS.md). Binds go through the same encoders
/// Fluent uses, so the rows are the ones `WebhookDelivery` and `Job` read.
struct DeliveryInbox {
    let db: any Database
    let maxAttempts: Int

    /// What is stored of a notification: everything but the signature.
    struct StoredPayload: Codable {
        var contract: WebhookNotification.ContractRef
        var callback_id: String
        var events: [ContractEvent]
    }

    struct JobPayload: Codable {
        var delivery_id: UUID

        /// The stored form. One encoder writes every delivery job's payload, so a job can
        /// be found by it (`CoveredDeliveries`).
        static func json(for deliveryID: UUID) throws -> String {
            String(decoding: try JSONEncoder().encode(JobPayload(delivery_id: deliveryID)), as: UTF8.self)
        }

        /// The delivery a stored payload names. The form `json(for:)` writes is read without a
        /// JSONDecoder: the worker reads every claimed job's payload several times.
        static func deliveryID(in json: String) throws -> UUID {
            let prefix = #"{"delivery_id":""#, suffix = #""}"#
            if json.utf8.count == prefix.utf8.count + 36 + suffix.utf8.count, json.hasPrefix(prefix), json.hasSuffix(suffix),
               let id = UUID(uuidString: String(json.dropFirst(prefix.count).dropLast(suffix.count))) {
                return id
            }
            return try JSONDecoder().decode(JobPayload.self, from: Data(json.utf8)).delivery_id
        }
    }

    struct Entry: Sendable {
        var notification: WebhookNotification
        var installationID: UUID
        var receivedAt: Date
    }

    /// Stores every entry not stored yet, each with its job, in one transaction. A
    /// `callback_id` the installation already has — or that comes twice in `entries` — is
    /// skipped by the unique (installation, callback_id) index: `ON CONFLICT DO NOTHING` is
    /// atomic, also against another process inserting the same notification at that moment.
    /// - Returns: for each entry, whether it was new.
    func store(_ entries: [Entry]) async throws -> [Bool] {
        let ids = entries.map { _ in UUID() }
        let deliveries = try zip(ids, entries).map { id, entry -> [any Encodable & Sendable] in
            let n = entry.notification
            let payload = StoredPayload(contract: n.contract, callback_id: n.callbackID, events: n.events)
            return [id, entry.installationID, n.callbackID, n.contract.id, n.events.map(\.type.rawValue).joined(separator: ","),
                    String(decoding: try JSONEncoder.oneflow().encode(payload), as: UTF8.self),
                    WebhookDelivery.Status.pending.rawValue, 0, entry.receivedAt]
        }
        return try await db.transaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the inbox needs an SQL database") }
            let insert = sql.insert(into: WebhookDelivery.schema)
                .columns("id", "installation_id", "callback_id", "oneflow_contract_id", "event_types", "payload", "status", "attempts", "received_at")
            for row in deliveries { insert.values(row) }
            let created = Set(try await insert.ignoringConflicts(with: ["installation_id", "callback_id"]).returning("id").all()
                .map { try $0.decode(column: "id", as: UUID.self) })
            if !created.isEmpty {
                let jobs = sql.insert(into: Job.schema)
                    .columns("id", "kind", "payload", "status", "attempts", "max_attempts", "run_at", "created_at", "updated_at")
                for (id, entry) in zip(ids, entries) where created.contains(id) {
                    jobs.values([UUID(), JobQueue.Kind.syncDelivery, try JobPayload.json(for: id), Job.Status.queued.rawValue, 0, maxAttempts,
                                 entry.receivedAt, entry.receivedAt, entry.receivedAt] as [any Encodable & Sendable])
                }
                try await jobs.run()
            }
            return ids.map(created.contains)
        }
    }
}

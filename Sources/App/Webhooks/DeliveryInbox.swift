import Fluent
import Foundation
import OneflowAPI
import SQLKit
import SQLiteStorage
import Vapor

/// The inbox: delivery rows and their sync jobs, committed together.
///
/// Written with SQLKit (PostgreSQL, in-memory SQLite) or SQLite's C API (`RawSQLite`, the
/// SQLite file) rather than Fluent models: this is the ack path, and Fluent finds a model's
/// fields by reflection on every save — in the ack benchmark's profile that was a third of
/// the CPU per request (bench/RESULTS.md). Both write the values `deliveryRow` and `jobRow`
/// give, stored as Fluent stores them, so the rows are the ones `WebhookDelivery` and `Job` read.
struct DeliveryInbox {
    let maxAttempts: Int

    /// What is stored of a notification: everything but the signature.
    struct StoredPayload: Codable {
        var contract: WebhookNotification.ContractRef
        var callback_id: String
        var events: [ContractEvent]

        /// The stored JSON of `notification`, written by hand: what `JSONEncoder.oneflow()`
        /// writes for this type (keys sorted, dates as Oneflow writes them, an event without a
        /// time without the key), at a fraction of its cost on the ack path.
        static func json(of notification: WebhookNotification) -> String {
            let events = notification.events.map { event in
                let time = event.createdTime.map { #""created_time":"\#(OneflowDate.format($0))","# } ?? ""
                return "{\(time)\"id\":\(event.id),\"type\":\(JSONText.string(event.type.rawValue))}"
            }
            return "{\"callback_id\":\(JSONText.string(notification.callbackID)),\"contract\":{\"id\":\(notification.contract.id)},"
                + "\"events\":[\(events.joined(separator: ","))]}"
        }
    }

    /// One notification to store. Its row ids (time-ordered: `UUID.timeOrdered`) and both JSON
    /// payloads are made when the request arrives, on the request's own task: a batch's commit
    /// is serial, its encoding need not be.
    struct Entry: Sendable {
        let notification: WebhookNotification
        let installationID: UUID
        let receivedAt: Date
        let deliveryID: UUID
        let jobID: UUID
        let eventTypes: String
        let payload: String
        let jobPayload: String

        init(notification: WebhookNotification, installationID: UUID, receivedAt: Date) {
            self.notification = notification
            self.installationID = installationID
            self.receivedAt = receivedAt
            deliveryID = .timeOrdered(at: receivedAt)
            jobID = .timeOrdered(at: receivedAt)
            eventTypes = notification.events.map(\.type.rawValue).joined(separator: ",")
            payload = StoredPayload.json(of: notification)
            jobPayload = DeliveryJobPayload.json(for: deliveryID)
        }
    }

    /// What became of a notification.
    enum Stored: Sendable, Equatable {
        /// The first of its callback id: a new delivery and job.
        case new
        /// A callback id the installation already has for another contract: a new delivery and
        /// job as well (`WebhookDelivery.callbackCopy`).
        case conflictingCopy
        /// Stored before (a retry): nothing new.
        case duplicate
    }

    static let deliveryColumns = [
        "id", "installation_id", "callback_id", "oneflow_contract_id", "event_types", "payload", "status", "attempts", "received_at",
    ]
    static let jobColumns = ["id", "kind", "payload", "status", "attempts", "max_attempts", "run_at", "created_at", "updated_at"]
    /// Skipped when the installation has the callback id already (any unique index: the
    /// non-copy one per callback id, or the one per callback id and contract).
    private static let insertDeliveries = RowInsert(into: WebhookDelivery.schema, columns: deliveryColumns, skippingConflicts: true)
    private static let insertJobs = RowInsert(into: Job.schema, columns: jobColumns, skippingConflicts: false)
    /// Rows one callback id may have in an installation: the notification and two copies. One
    /// captured signature could otherwise name any number of contracts, each a row, a job and
    /// a fetch from Oneflow. (Counted, then inserted: processes racing may pass it by a row or two.)
    static let maxRowsPerCallback = 3
    /// The same row as a copy; skipped when the callback id has this contract already, or has
    /// `maxRowsPerCallback` rows. Binds: the row, then its installation id and callback id twice.
    /// The rows are counted in two halves, the notification and its copies, each through its
    /// partial index (`AddCallbackCopies`, `AddCallbackCopyIndex`), whose predicate the count
    /// repeats: counted at once, they were read through the installation's every delivery, and
    /// a retried notification is counted in the inbox's write.
    static let insertCopy =
        "INSERT INTO \(WebhookDelivery.schema) (\(deliveryColumns.joined(separator: ", ")), callback_copy) SELECT "
        + placeholders(deliveryColumns.count)
        + ", TRUE WHERE (SELECT count(*) FROM \(WebhookDelivery.schema) WHERE installation_id = ? AND callback_id = ? AND NOT callback_copy)"
        + " + (SELECT count(*) FROM \(WebhookDelivery.schema) WHERE installation_id = ? AND callback_id = ? AND callback_copy) < "
        + "\(maxRowsPerCallback) ON CONFLICT (\(copyKey.joined(separator: ", "))) DO NOTHING"
    private static let copyKey = ["installation_id", "oneflow_contract_id", "callback_id"]
    private static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    /// Stores every entry not stored yet, each with its job, inside the caller's transaction.
    /// A `callback_id` the installation already has — or that comes twice in `entries` — is
    /// skipped by the unique indexes (`AddCallbackCopies`): `ON CONFLICT DO NOTHING` is atomic,
    /// also against another process inserting the same notification at that moment. Only the
    /// skipped ones are tried again as copies (a statement each, for retries alone): stored
    /// when their contract is not the one the callback id has.
    func store(_ entries: [Entry], in rows: some RowInserts) async throws -> [Stored] {
        let created = try await rows.insert(Self.insertDeliveries, rows: entries.map(deliveryRow))
        var stored: [Stored] = []
        for (entry, created) in zip(entries, created) {
            stored.append(created ? .new : try await rows.insert(Self.insertCopy, copyRow(entry)) ? .conflictingCopy : .duplicate)
        }
        let jobs = zip(entries, stored).filter { $0.1 != .duplicate }.map { jobRow($0.0) }
        _ = try await rows.insert(Self.insertJobs, rows: jobs)
        return stored
    }

    /// A delivery row's values, in `deliveryColumns` order: pending, no attempts yet.
    private func deliveryRow(_ entry: Entry) -> [RawSQLite.Value] {
        let n = entry.notification
        return [
            .uuid(entry.deliveryID), .uuid(entry.installationID), .text(n.callbackID), .integer(n.contract.id), .text(entry.eventTypes),
            .text(entry.payload), .text(WebhookDelivery.Status.pending.rawValue), .integer(0), .date(entry.receivedAt),
        ]
    }

    /// `insertCopy`'s values: the delivery row, then the installation and callback id it counts, for each half.
    private func copyRow(_ entry: Entry) -> [RawSQLite.Value] {
        let counted: [RawSQLite.Value] = [.uuid(entry.installationID), .text(entry.notification.callbackID)]
        return deliveryRow(entry) + counted + counted
    }

    /// Its sync job's values, in `jobColumns` order: queued, due at once.
    private func jobRow(_ entry: Entry) -> [RawSQLite.Value] {
        [
            .uuid(entry.jobID), .text(JobQueue.Kind.syncDelivery), .text(entry.jobPayload), .text(Job.Status.queued.rawValue), .integer(0),
            .integer(maxAttempts), .date(entry.receivedAt), .date(entry.receivedAt), .date(entry.receivedAt),
        ]
    }
}

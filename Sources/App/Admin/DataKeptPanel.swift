import Fluent
import Foundation
import SQLKit

/// What the admin dashboard says of the data kept: the database's size, and per kind of row
/// retention purges, how long it is kept and how old its oldest row is (each read through the
/// index its purge uses, so the dashboard stays fast on a year's tables).
struct DataKeptPanel: Encodable {
    struct Kind: Encodable {
        var name: String
        var keptFor: String
        var oldest: String
        /// Older than its retention: the purge is behind (or the worker is off).
        var overdue: Bool
    }

    var databaseSize: String
    var kinds: [Kind]

    static func read(on db: any Database, settings: AppConfig.Retention, now: Date) async throws -> DataKeptPanel {
        let sql = try db.sql()
        var kinds: [Kind] = []
        for kind in RetentionPurge.Kind.allCases {
            let oldest = try await oldest(kind, sql)
            let cutoff = RetentionPurge.cutoff(kind, settings: settings, now: now)
            kinds.append(
                Kind(
                    name: label(kind), keptFor: cutoff.map { AdminFormat.age(now.timeIntervalSince($0)) } ?? "for ever",
                    oldest: oldest.map { AdminFormat.age(now.timeIntervalSince($0)) + " old" } ?? "none",
                    overdue: oldest.flatMap { o in cutoff.map { o < $0.addingTimeInterval(-3600) } } ?? false))
        }
        return DataKeptPanel(databaseSize: byteCount(try await sql.sizeInBytes()), kinds: kinds)
    }

    private static func label(_ kind: RetentionPurge.Kind) -> String {
        switch kind {
        case .deliveryPayload: "Webhook payloads (processed)"
        case .delivery: "Webhook deliveries (processed)"
        case .job: "Finished jobs"
        case .notification: "Sent notifications"
        case .setupRequest: "Setup requests"
        }
    }

    /// The oldest row that `kind`'s purge would take when its time comes.
    private static func oldest(_ kind: RetentionPurge.Kind, _ sql: any SQLDatabase) async throws -> Date? {
        func first(_ query: SQLQueryString) async throws -> Date? {
            try await sql.raw(query + " LIMIT 1").first()?.decode(column: "at", as: Date.self)
        }
        switch kind {
        case .deliveryPayload:
            // Through the partial index of kept payloads, not (status, received_at), which
            // would walk every emptied row first.
            return try await first(
                """
                SELECT received_at AS at FROM webhook_deliveries WHERE payload <> ''
                AND \(sql.notIndexed("status")) IN ('processed', 'ignored') ORDER BY received_at
                """)
        case .delivery:
            return try await sql.earliest(
                "received_at", in: WebhookDelivery.schema, statuses: [WebhookDelivery.Status.processed, .ignored].map(\.rawValue))
        case .job:
            return try await sql.earliest("run_at", in: Job.schema, statuses: [Job.Status.succeeded.rawValue])
        case .notification:
            return try await sql.earliest("next_attempt_at", in: OutboundNotification.schema, statuses: [OutboundNotification.Status.sent.rawValue])
        case .setupRequest:
            return try await first("SELECT requested_at AS at FROM setup_requests ORDER BY requested_at")
        }
    }

    private static func byteCount(_ bytes: Int) -> String {
        ByteCountFormatter.string(fromByteCount: Int64(bytes), countStyle: .file)
    }
}

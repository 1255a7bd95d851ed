import Fluent
import Foundation
import SQLKit

/// Deletes what `retention.*` says is old enough, a small batch per transaction, in the
/// background's turn at the write lock: on SQLite an acknowledgement waits for one batch at
/// most, never for a whole purge. Each statement picks its rows through an index
/// (`AddDataLifecycle`), so a batch costs the same on a year's table as on a day's.
struct RetentionPurge {
    /// The kinds of row retention removes, as `hrbridge_retention_purged_rows_total{kind}` names them.
    enum Kind: String, CaseIterable, Sendable {
        // Rows first, then payloads: a payload is not emptied in a row about to go.
        case delivery
        /// A processed or ignored delivery's payload (emptied; the row stays).
        case deliveryPayload = "delivery_payload"
        case job
        case notification
        case setupRequest = "setup_request"
    }

    /// What a run purged, per kind, and whether a kind has rows left past its age.
    struct Report: Sendable, Equatable {
        var purged: [Kind: Int] = [:]
        var more = false
    }

    let writer: any DatabaseWriter
    let settings: AppConfig.Retention
    var metrics: AppMetrics? = nil

    /// How long one purge statement may hold the write lock: an acknowledgement that comes
    /// meanwhile waits for it. Each batch is sized from the last one's time per row, up to
    /// `retention.batch_size`: deleting a delivery touches eight indexes, so on a big database
    /// 500 rows held the lock 60–90 ms and the acknowledgements' p99 rose to match
    /// (bench/RESULTS.md, "a year's volume").
    static let budget: Duration = .milliseconds(4)
    /// Rest after each full batch, per unit of its time: a backlog is purged in at most a
    /// quarter of the wall time (with no rest, at 1,000 acks/s their p99 was 22–27 ms).
    static let restPerWork = 3

    /// Purges every kind, at most `maxBatches` batches each.
    func run(now: Date, maxBatches: Int = 200) async throws -> Report {
        var report = Report()
        for kind in Kind.allCases {
            guard let cutoff = Self.cutoff(kind, settings: settings, now: now) else { continue }
            var (total, size) = (0, min(settings.batchSize, 20))
            for batch in 0..<maxBatches {
                let (purged, took) = try await writer.write(.background) { db in
                    let started = ContinuousClock.now
                    let purged = try await purge(kind, before: cutoff, limit: size, on: db)
                    return (purged, ContinuousClock.now - started)
                }
                total += purged
                if purged < size { break }
                // A quarter of the time at most: the acknowledgements' commits share the disk.
                try await Task.sleep(for: took * Self.restPerWork)
                if batch == maxBatches - 1 { report.more = true }
                let perRow = took / purged
                size = perRow > .zero ? max(1, min(settings.batchSize, Int(Self.budget / perRow))) : settings.batchSize
            }
            report.purged[kind] = total
            if total > 0 { metrics?.purged(kind.rawValue, rows: total) }
        }
        return report
    }

    /// Rows of `kind` older than this are purged; nil: the kind is kept for ever (0 days).
    static func cutoff(_ kind: Kind, settings: AppConfig.Retention, now: Date) -> Date? {
        let days =
            switch kind {
            case .deliveryPayload: settings.deliveryPayloadDays
            case .delivery: settings.deliveryDays
            case .job: settings.jobDays
            case .notification: settings.notificationDays
            case .setupRequest: settings.setupRequestDays
            }
        return days > 0 ? now.addingTimeInterval(-Double(days) * 86400) : nil
    }

    /// One batch: at most `n` rows, in one statement. - Returns: rows purged.
    private func purge(_ kind: Kind, before cutoff: Date, limit n: Int, on db: any Database) async throws -> Int {
        let sql = try db.sql()
        let finished = [WebhookDelivery.Status.processed, .ignored].map(\.rawValue)
        let statement: SQLQueryString =
            switch kind {
            case .deliveryPayload:
                """
                UPDATE webhook_deliveries SET payload = '' WHERE id IN (
                  SELECT id FROM webhook_deliveries WHERE payload <> '' AND received_at < \(bind: cutoff)
                  AND \(sql.notIndexed("status")) IN (\(binds: finished)) LIMIT \(literal: n))
                """
            case .delivery:
                """
                DELETE FROM webhook_deliveries WHERE id IN (
                  SELECT id FROM webhook_deliveries WHERE status IN (\(binds: finished)) AND received_at < \(bind: cutoff) LIMIT \(literal: n))
                """
            case .job:
                """
                DELETE FROM jobs WHERE id IN (
                  SELECT id FROM jobs WHERE status = \(bind: Job.Status.succeeded.rawValue) AND run_at < \(bind: cutoff) LIMIT \(literal: n))
                """
            case .notification:
                // A sent notification's next_attempt_at is when it was sent (`NotificationSender`).
                """
                DELETE FROM outbound_notifications WHERE id IN (
                  SELECT id FROM outbound_notifications WHERE status = \(bind: OutboundNotification.Status.sent.rawValue)
                  AND next_attempt_at < \(bind: cutoff) LIMIT \(literal: n))
                """
            case .setupRequest:
                """
                DELETE FROM setup_requests WHERE id IN (
                  SELECT id FROM setup_requests WHERE requested_at < \(bind: cutoff)
                  AND status IN ('pending', 'refused', 'superseded') LIMIT \(literal: n))
                """
            }
        return try await sql.changedRows(statement)
    }
}

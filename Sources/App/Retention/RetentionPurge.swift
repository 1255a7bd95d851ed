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
    /// For reads (is a webhook arriving?), outside the write lock.
    let db: any Database
    let settings: AppConfig.Retention
    var metrics: AppMetrics? = nil
    /// While webhooks arrive, at most one statement per this long (`rest`).
    var busyPace: Duration = .seconds(1)

    /// How long one purge statement may hold the write lock: an acknowledgement that comes
    /// meanwhile waits for it. Each batch is sized from the last one's time per row, up to
    /// `retention.batch_size`: deleting a delivery touches eight indexes, so on a big database
    /// 500 rows held the lock 60–90 ms and the acknowledgements' p99 rose to match
    /// (bench/RESULTS.md, "a year's volume").
    static let budget: Duration = .milliseconds(4)
    /// Rest after each full batch, per unit of its time: a backlog is purged in at most a
    /// quarter of the wall time when nothing else writes.
    static let restPerWork = 3
    /// How long a run may purge: it ends inside the job's lease, so no other worker claims the
    /// job meanwhile (`RetentionJobs` gives half of `sync.lease_seconds`). Each kind gets an
    /// equal share, checked before every statement and rest, then leaves what is left to the
    /// next run (due a second later): no kind waits for another's backlog.
    var longestRun: Duration = .seconds(30)
    /// Webhooks arriving: a delivery received less than this long before the run began, or
    /// during it.
    static let busyWindow: TimeInterval = 10

    /// The rest after a full batch that took `took`. While webhooks arrive, at least
    /// `busyPace` from one statement's start to the next: each purge statement's commit
    /// writes some hundred pages to the log (a delivery's row sits in eight indexes, three in
    /// random places), and the acknowledgements committing meanwhile wait on the same disk.
    /// On a year's database at 1,000 acks/s, resting three times its work instead, the purge
    /// went at 650 deliveries/s and the ack p99 rose to 25–33 ms, the acknowledgements' own
    /// commits slowed though none waited for the purge's; what it needs is few statements, not
    /// short ones (bench/RESULTS.md, 2026-12-06). A statement a second is still 15–30
    /// deliveries a second with their jobs there (more on a smaller database), over a million a
    /// day, far more than a year of 1,000,000 deliveries adds; with no webhook arriving a
    /// backlog goes at the full rate.
    func rest(after took: Duration, busy: Bool) -> Duration {
        busy ? max(took * Self.restPerWork, busyPace - took) : took * Self.restPerWork
    }

    /// Whether a webhook arrived since `busyWindow` before `now`: the newest delivery's time,
    /// the first entry of the (received_at, id) index.
    func busy(now: Date) async throws -> Bool {
        let newest = try await db.sql().raw("SELECT received_at FROM webhook_deliveries ORDER BY received_at DESC LIMIT 1").first()
        guard let at = try newest?.decode(column: "received_at", as: Date.self) else { return false }
        return at > now.addingTimeInterval(-Self.busyWindow)
    }

    /// Purges every kind, at most `maxBatches` batches each.
    func run(now: Date, maxBatches: Int = 200) async throws -> Report {
        var report = Report()
        let share = longestRun / Kind.allCases.count
        for kind in Kind.allCases {
            guard let cutoff = Self.cutoff(kind, settings: settings, now: now) else { continue }
            var (total, size) = (0, min(settings.batchSize, 20))
            // A payload is not emptied in a row old enough to be deleted (the delivery kind's,
            // which a run may not have finished): that would write its pages twice.
            let since = kind == .deliveryPayload ? Self.cutoff(.delivery, settings: settings, now: now) : nil
            let kindStarted = ContinuousClock.now
            for batch in 0..<maxBatches {
                let (purged, took) = try await writer.write(.background) { db in
                    let started = ContinuousClock.now
                    let purged = try await purge(kind, before: cutoff, since: since, limit: size, on: db)
                    return (purged, ContinuousClock.now - started)
                }
                total += purged
                if purged < size { break }
                if batch == maxBatches - 1 || ContinuousClock.now - kindStarted >= share {
                    report.more = true
                    break
                }
                try await Task.sleep(for: rest(after: took, busy: try await busy(now: now)))
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
    private func purge(_ kind: Kind, before cutoff: Date, since: Date?, limit n: Int, on db: any Database) async throws -> Int {
        let sql = try db.sql()
        let finished = [WebhookDelivery.Status.processed, .ignored].map(\.rawValue)
        let statement: SQLQueryString =
            switch kind {
            case .deliveryPayload:
                """
                UPDATE webhook_deliveries SET payload = '' WHERE id IN (
                  SELECT id FROM webhook_deliveries WHERE payload <> '' AND received_at < \(bind: cutoff)
                  AND received_at >= \(bind: since ?? Date(timeIntervalSince1970: 0))
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

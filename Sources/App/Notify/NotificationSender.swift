import Crypto
import Fluent
import Foundation
import Logging
import NIOCore
import OneflowAPI
import SQLKit

/// Delivers the outbox to the HR systems: each notification to its installation's own target,
/// else to `notify.*` (`NotificationTargets`), signed, in order per employee, retried with
/// backoff until `sync.max_attempts`, then dead (and replayable).
final class NotificationSender: Sendable {
    let db: any Database
    /// Its claims and outcomes (`DatabaseWriter`).
    let writer: any DatabaseWriter
    let targets: NotificationTargets
    let maxAttempts: Int
    let http: any OutboundHTTP
    let metrics: AppMetrics
    let logger: Logger
    /// How long a claimed notification is ours.
    static let lease: TimeInterval = 60

    init(
        db: any Database, writer: any DatabaseWriter, targets: NotificationTargets, maxAttempts: Int, metrics: AppMetrics, http: any OutboundHTTP,
        logger: Logger = Logger(label: "hrbridge.notify")
    ) {
        self.logger = logger
        self.db = db
        self.writer = writer
        self.targets = targets
        self.maxAttempts = maxAttempts
        self.metrics = metrics
        self.http = http
    }

    func shutdown() async { await http.shutdown() }

    /// Sends the next notification that is due and first in line for its employee.
    /// Returns false when there was none.
    @discardableResult
    func runOnce(now: Date) async throws -> Bool {
        let query = OutboundNotification.query(on: db).filter(\.$status ~~ [.pending, .failed, .sending]).filter(\.$nextAttemptAt <= now)
        if targets.fallback == nil {
            // Only installations with a target of their own have somewhere to go.
            let own = try await NotificationTargets.all(on: db)
            guard !own.isEmpty else { return false }
            query.filter(\.$installation.$id ~~ own)
        }
        let due = try await query.sort(\.$createdAt).limit(50).all()
        for candidate in due {
            // First in line for its employee: the oldest unsent one with the same key. (Ordered
            // in SQL, compared here: no bound-timestamp comparison, which the drivers encode differently.)
            let first = try await OutboundNotification.query(on: db).filter(\.$orderingKey == candidate.orderingKey)
                .filter(\.$status ~~ [.pending, .failed, .sending]).sort(\.$createdAt).sort(\.$id).first()
            guard first?.id == candidate.id, let destination = await destination(of: candidate), try await claim(candidate, now: now) else {
                continue
            }
            await send(candidate, to: destination, now: now)
            return true
        }
        return false
    }

    /// Where `n` goes; nil when nowhere, or when its target cannot be read (logged, and the
    /// others go on: one installation's broken target does not hold back everyone's).
    private func destination(of n: OutboundNotification) async -> NotificationDestination? {
        do {
            return try await targets.destination(for: n.$installation.id, on: db)
        } catch {
            logger.error(
                "notify: the notification target cannot be read",
                metadata: ["installation": "\(n.$installation.id?.uuidString ?? "")", "error": "\(ErrorText.log(error))"])
            return nil
        }
    }

    /// Takes the notification unless another sender did first (one conditional UPDATE).
    private func claim(_ n: OutboundNotification, now: Date) async throws -> Bool {
        guard let id = n.id else { return false }
        let rows = try await writer.write(.background) { db in
            try await db.sql().raw(
                """
                UPDATE outbound_notifications SET status = \(bind: OutboundNotification.Status.sending.rawValue),
                    next_attempt_at = \(bind: now.addingTimeInterval(Self.lease))
                WHERE id = \(bind: id) AND status = \(bind: n.status.rawValue) AND next_attempt_at <= \(bind: now)
                RETURNING id
                """
            ).all()
        }
        return !rows.isEmpty
    }

    private func send(_ n: OutboundNotification, to destination: NotificationDestination, now: Date) async {
        let failure = await destination.post(n.body, via: http)
        n.attempts += 1
        if let failure {
            n.lastError = String(failure.prefix(1000))
            n.status = n.attempts >= maxAttempts ? .dead : .failed
            n.nextAttemptAt = now.addingTimeInterval(JobQueue.backoff(attempt: n.attempts))
            metrics.notification(sent: false)
        } else {
            n.status = .sent
            n.sentAt = now
            n.lastError = nil
            metrics.notification(sent: true)
        }
        // Not saved: the lease expires and it is sent again — at least once, never lost.
        try? await writer.write(.background) { db in try await n.save(on: db) }
    }

    /// Sends everything that is due now (tests, a drain).
    func drain(now: Date, limit: Int = 10_000) async throws -> Int {
        var count = 0
        while count < limit, try await runOnce(now: now) { count += 1 }
        return count
    }
}

/// The worker runs it in a loop of its own beside the jobs (`SyncWorker.start`).
extension NotificationSender: BackgroundLoop {}

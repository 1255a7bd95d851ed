import Fluent
import Foundation
import SQLKit

/// Records webhook deliveries' outcomes, any number of them in one UPDATE: a worker batch
/// records its leads and every delivery they answered at once (`SyncPipeline`), and on SQLite
/// each statement waits its turn for the one writer (bench/RESULTS.md).
enum DeliveryOutcomes {
    struct Outcome: Sendable, Equatable {
        var status: WebhookDelivery.Status
        var reason: String
    }

    /// Sets each delivery's status and reason, `processed_at`, and counts the attempt.
    static func record(_ outcomes: [UUID: Outcome], now: Date, on db: any Database) async throws {
        guard !outcomes.isEmpty else { return }
        let sql = try db.sql()
        let ids = Array(outcomes.keys)
        func cases(_ value: (Outcome) -> String) -> SQLList {
            SQLList(ids.map { id in SQLQueryString("WHEN \(bind: id) THEN \(bind: value(outcomes[id]!))") }, separator: SQLRaw(" "))
        }
        try await sql.raw(
            """
            UPDATE webhook_deliveries SET status = CASE id \(cases(\.status.rawValue)) END,
                outcome_reason = CASE id \(cases { String($0.reason.prefix(1000)) }) END,
                processed_at = \(bind: now), attempts = attempts + 1
            WHERE id IN (\(binds: ids))
            """
        ).run()
    }
}

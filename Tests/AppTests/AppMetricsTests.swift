import Foundation
import Testing

@testable import App

/// The series `AppMetrics` exposes keep the names the README documents: dashboards and
/// alerts are written against them.
@Suite("Metric names")
struct AppMetricsTests {
    @Test("each recorder's series appears under its documented name, with the value recorded")
    func names() async throws {
        try await withTestApp { app in
            let metrics = AppMetrics()
            metrics.received()
            metrics.duplicate()
            metrics.rejected(.badSignature)
            metrics.outcome(.processed)
            metrics.acknowledged(after: .milliseconds(3))
            metrics.sqliteWriteHeld(.ack, .milliseconds(1))
            metrics.sqliteWriteHeld(.background, .milliseconds(30))
            metrics.notification(sent: true)
            metrics.notification(sent: false)
            let queue = try await JobQueue(db: app.db).depth(now: Date())
            let lines = Set(metrics.exposition(queue: queue).split(separator: "\n").map(String.init))
            let expected = [
                "hrbridge_webhook_deliveries_received_total 1",
                "hrbridge_webhook_deliveries_duplicate_total 1",
                #"hrbridge_webhook_deliveries_rejected_total{reason="bad_signature"} 1"#,
                #"hrbridge_webhook_deliveries_outcome_total{outcome="processed"} 1"#,
                "hrbridge_webhook_ack_seconds_count 1",
                #"hrbridge_sqlite_write_seconds_count{writer="webhook"} 1"#,
                #"hrbridge_sqlite_write_seconds_bucket{writer="worker",le="0.025"} 0"#,
                #"hrbridge_sqlite_write_seconds_bucket{writer="worker",le="0.05"} 1"#,
                "hrbridge_notifications_sent_total 1",
                "hrbridge_notifications_failed_total 1",
                "hrbridge_jobs_queue_depth 0.0",
                "hrbridge_jobs_oldest_pending_seconds 0.0",
            ]
            for line in expected { #expect(lines.contains(line), "\(line)") }
        }
    }
}

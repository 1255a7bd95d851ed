import Fluent
import Foundation
import OneflowAPI
import Prometheus
import SQLiteStorage
import Vapor

/// HR Bridge's Prometheus metrics, served at `GET /metrics` (text format 0.0.4).
/// Counters live in this process; queue gauges are read from the database at scrape time,
/// so every instance reports the shared queue.
final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let ack: DurationHistogram
    private let sqliteWrites: (ack: DurationHistogram, background: DurationHistogram)

    private static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
    ]

    init() {
        ack = registry.makeDurationHistogram(
            descriptor: Self.metric("webhook", "ack", unit: "seconds", help: "Time from receiving a webhook notification to answering it"),
            buckets: Self.buckets)
        let registry = registry
        func sqliteWrite(_ writer: String) -> DurationHistogram {
            registry.makeDurationHistogram(
                descriptor: Self.metric(
                    "sqlite", "write", unit: "seconds",
                    help:
                        "Time each write to the SQLite file held its write lock, commit included (webhook: a group commit of acknowledgements; worker: a claim or a batch of HR records)"
                ),
                labels: [("writer", writer)], buckets: Self.buckets)
        }
        sqliteWrites = (sqliteWrite("webhook"), sqliteWrite("worker"))
    }

    enum Rejection: String {
        case unsupportedMediaType = "unsupported_media_type"
        case malformed
        case unknownKey = "unknown_key"
        case badSignature = "bad_signature"
        case storageUnavailable = "storage_unavailable"
    }

    /// `hrbridge_{subsystem}_{name}_{unit}` with its help text, as swift-prometheus takes it.
    private static func metric(_ subsystem: String, _ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hrbridge", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }

    func received() {
        registry.makeCounter(descriptor: Self.metric("webhook", "deliveries_received", unit: "total", help: "Webhook notifications accepted"))
            .increment()
    }
    func duplicate() {
        registry.makeCounter(
            descriptor: Self.metric("webhook", "deliveries_duplicate", unit: "total", help: "Retries of notifications already accepted")
        ).increment()
    }
    func rejected(_ reason: Rejection) {
        registry.makeCounter(
            descriptor: Self.metric("webhook", "deliveries_rejected", unit: "total", help: "Webhook notifications refused"),
            labels: [("reason", reason.rawValue)]
        ).increment()
    }
    /// processed, ignored, failed or dead (`WebhookDelivery.Status`).
    func outcome(_ outcome: String) {
        registry.makeCounter(
            descriptor: Self.metric("webhook", "deliveries_outcome", unit: "total", help: "Deliveries by what processing made of them"),
            labels: [("outcome", outcome)]
        ).increment()
    }
    func acknowledged(after duration: Duration) { ack.record(duration) }
    /// Rows the retention job purged (`RetentionPurge.Kind`), and records erased.
    func purged(_ kind: String, rows: Int) {
        registry.makeCounter(
            descriptor: Self.metric("retention", "purged_rows", unit: "total", help: "Rows removed by retention and erasure"),
            labels: [("kind", kind)]
        ).increment(by: Int64(rows))
    }
    /// From `WriteGate`, which only gates SQLite: PostgreSQL has no single write lock to report.
    func sqliteWriteHeld(_ priority: WriteGate.Priority, _ held: Duration) {
        switch priority {
        case .ack: sqliteWrites.ack.record(held)
        case .background: sqliteWrites.background.record(held)
        }
    }
    func notification(sent: Bool) {
        registry.makeCounter(
            descriptor: Self.metric(
                "notifications", sent ? "sent" : "failed", unit: "total",
                help: sent ? "Notifications the HR system accepted" : "Notification attempts that failed")
        ).increment()
    }

    /// The text exposition, with the job queue as read just now: jobs queued or running, and
    /// the age of the oldest due one.
    func exposition(queue: (count: Int, oldest: TimeInterval?)) -> String {
        let (depth, oldest) = queue
        registry.makeGauge(descriptor: Self.metric("jobs", "queue_depth", help: "Jobs queued or running")).set(to: Double(depth))
        registry.makeGauge(descriptor: Self.metric("jobs", "oldest_pending", unit: "seconds", help: "Age of the oldest due job")).set(to: oldest ?? 0)
        return registry.emitToString()
    }
}

/// `GET /metrics`.
struct MetricsController: RouteCollection {
    let metrics: AppMetrics
    let clock: any AppClock
    /// `metrics.token`: when set, a scrape must send `Authorization: Bearer <token>`.
    let token: String?
    /// The job queue's depth and the age of its oldest due job (`JobQueue.depth`).
    let queue: @Sendable (_ db: any Database, _ now: Date) async throws -> (count: Int, oldest: TimeInterval?)

    func boot(routes: any RoutesBuilder) throws {
        routes.get("metrics") { req async throws -> Response in
            if let token {
                guard let sent = req.headers.bearerAuthorization?.token, ConstantTime.equals(sent, token) else {
                    throw Abort(.unauthorized, headers: ["WWW-Authenticate": "Bearer"], reason: "GET /metrics needs the metrics token.")
                }
            }
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
            return Response(status: .ok, headers: headers, body: .init(string: metrics.exposition(queue: try await queue(req.db, clock.now))))
        }
    }
}

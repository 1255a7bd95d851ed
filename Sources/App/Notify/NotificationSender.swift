import AsyncHTTPClient
import Crypto
import Fluent
import Foundation
import NIOCore
import NIOSSL
import OneflowAPI
import SQLKit

/// Delivers the outbox to the HR system: POST `notify.endpoint` (`?key=` when set), signed
/// `X-Signature: sha256=<hex HMAC-SHA256 of the raw body with notify.secret>`, in order per
/// employee, retried with backoff until `sync.max_attempts`, then dead (and replayable).
final class NotificationSender: Sendable {
    let db: any Database
    let settings: AppConfig.Notify
    let maxAttempts: Int
    let http: HTTPClient
    let metrics: AppMetrics
    /// How long a claimed notification is ours.
    static let lease: TimeInterval = 60

    init(db: any Database, settings: AppConfig.Notify, maxAttempts: Int, metrics: AppMetrics) throws {
        self.db = db
        self.settings = settings
        self.maxAttempts = maxAttempts
        self.metrics = metrics
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: try Self.configuration(settings))
    }

    /// Timeouts and TLS: the system's trust store, or `notify.ca_file`; a client certificate
    /// when `notify.client_certificate_file` and `notify.client_key_file` are set.
    static func configuration(_ settings: AppConfig.Notify) throws -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = settings.caFile { tls.trustRoots = .file(ca) }
        if let certificate = settings.clientCertificateFile, let key = settings.clientKeyFile {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        let timeout = TimeAmount.seconds(Int64(settings.connectionTimeoutSeconds))
        return HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: timeout, read: timeout))
    }

    func shutdown() async { try? await http.shutdown() }

    static func signature(of body: String, secret: String) -> String {
        "sha256="
            + HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            .lowercaseHex
    }

    /// Sends the next notification that is due and first in line for its employee.
    /// Returns false when there was none.
    @discardableResult
    func runOnce(now: Date) async throws -> Bool {
        guard let endpoint = settings.endpoint else { return false }
        let due = try await OutboundNotification.query(on: db).filter(\.$status ~~ [.pending, .failed, .sending])
            .filter(\.$nextAttemptAt <= now).sort(\.$createdAt).limit(50).all()
        for candidate in due {
            // First in line for its employee: the oldest unsent one with the same key. (Ordered
            // in SQL, compared here: no bound-timestamp comparison, which the drivers encode differently.)
            let first = try await OutboundNotification.query(on: db).filter(\.$orderingKey == candidate.orderingKey)
                .filter(\.$status ~~ [.pending, .failed, .sending]).sort(\.$createdAt).sort(\.$id).first()
            guard first?.id == candidate.id, try await claim(candidate, now: now) else { continue }
            await send(candidate, to: endpoint, now: now)
            return true
        }
        return false
    }

    /// Takes the notification unless another sender did first (one conditional UPDATE).
    private func claim(_ n: OutboundNotification, now: Date) async throws -> Bool {
        guard let sql = db as? any SQLDatabase, let id = n.id else { return false }
        let rows = try await sql.raw(
            """
            UPDATE outbound_notifications SET status = \(bind: OutboundNotification.Status.sending.rawValue),
                next_attempt_at = \(bind: now.addingTimeInterval(Self.lease))
            WHERE id = \(bind: id) AND status = \(bind: n.status.rawValue) AND next_attempt_at <= \(bind: now)
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    private func send(_ n: OutboundNotification, to endpoint: String, now: Date) async {
        var url = endpoint
        if let key = settings.key {
            url += (url.contains("?") ? "&" : "?") + "key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "hrbridge/1.0")
        if let secret = settings.secret { request.headers.add(name: "x-signature", value: Self.signature(of: n.body, secret: secret)) }
        request.body = .bytes(ByteBuffer(string: n.body))
        var failure: String?
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(settings.connectionTimeoutSeconds)))
            _ = try await response.body.collect(upTo: 64 * 1024)
            if !(200..<300).contains(response.status.code) { failure = "HTTP \(response.status.code)" }
        } catch {
            failure = String(describing: error)
        }
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
        try? await n.save(on: db)
    }

    /// Sends everything that is due now (tests, a drain).
    func drain(now: Date, limit: Int = 10_000) async throws -> Int {
        var count = 0
        while count < limit, try await runOnce(now: now) { count += 1 }
        return count
    }
}

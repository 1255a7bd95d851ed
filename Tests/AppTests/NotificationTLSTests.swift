import Fluent
import Foundation
import NIOSSL
import Synchronization
import Testing
import Vapor

@testable import App

/// Notifications over HTTPS: a private CA (`notify.ca_file`) and a client certificate
/// (`notify.client_certificate_file`, `notify.client_key_file`), against a local receiver
/// that requires one. Certificates are made for each run with openssl.
@Suite("Notifications over TLS")
struct NotificationTLSTests {
    struct PKI {
        let dir: String
        var ca: String { dir + "/ca.pem" }
        var serverCert: String { dir + "/server.pem" }
        var serverKey: String { dir + "/server.key" }
        var clientCert: String { dir + "/client.pem" }
        var clientKey: String { dir + "/client.key" }

        static func make() async throws -> PKI {
            let dir = NSTemporaryDirectory() + "hrbridge-pki-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "subjectAltName=IP:127.0.0.1\n".write(toFile: dir + "/san.ext", atomically: true, encoding: .utf8)
            for args in [
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
                    "/CN=HR Bridge Test CA",
                ],
                ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
                [
                    "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
                    "-extfile", "san.ext",
                ],
                ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=hrbridge"],
                ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2"],
            ] {
                let run = try await Program(executable: "/usr/bin/env", arguments: ["openssl"] + args, directory: dir).run()
                guard run.status == 0 else { throw Abort(.internalServerError, reason: "openssl \(args[0]) failed") }
            }
            return PKI(dir: dir)
        }
    }

    /// An HTTPS endpoint on 127.0.0.1 that requires a client certificate from the test CA.
    func withTLSReceiver(_ pki: PKI, _ body: (String, @Sendable () -> Int) async throws -> Void) async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKey, format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .file(pki.ca)
        app.http.server.configuration.tlsConfiguration = tls
        let received = Counter()
        app.post("hr", "notify") { _ -> HTTPStatus in
            received.increment()
            return .ok
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        do {
            try await body("https://127.0.0.1:\(port)/hr/notify", { received.value })
        } catch {
            await app.server.shutdown()
            try? await app.asyncShutdown()
            throw error
        }
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// Queues one notification and tries to send it with `settings`.
    func attempt(_ f: SyncFixture, _ settings: AppConfig.Notify) async throws -> OutboundNotification {
        try await Outbox.of(f.installation).record(
            .employee, .created, data: ["id": "x"], subjectID: nil, employeeID: UUID(), installationID: f.installation.requireID(), on: f.db,
            now: Date())
        let targets = NotificationTargets(fallback: try NotificationDestination(settings: settings), box: f.r.app.services.secretBox)
        _ = try? await f.sendNotifications(targets: targets, maxAttempts: 3)
        return try #require(try await OutboundNotification.query(on: f.db).sort(\.$createdAt, .descending).first())
    }

    @Test("with the CA file and a client certificate the notification is delivered; without either it is not")
    func mutualTLS() async throws {
        let pki = try await PKI.make()
        defer { try? FileManager.default.removeItem(atPath: pki.dir) }
        try await withTLSReceiver(pki) { url, received in
            try await withSyncFixture { f in
                var settings = AppConfig.Notify(
                    endpoint: url, key: nil, secret: nil, connectionTimeoutSeconds: 5,
                    caFile: pki.ca, clientCertificateFile: pki.clientCert, clientKeyFile: pki.clientKey)
                #expect(try await attempt(f, settings).status == .sent)
                #expect(received() == 1)

                settings.caFile = nil  // the system store does not know our test CA
                let untrusted = try await attempt(f, settings)
                #expect(untrusted.status == .failed)
                #expect(untrusted.lastError?.isEmpty == false)

                settings.caFile = pki.ca
                settings.clientCertificateFile = nil
                settings.clientKeyFile = nil  // the receiver requires a client certificate
                #expect(try await attempt(f, settings).status == .failed)
                #expect(received() == 1)
            }
        }
    }

    @Test(
        "an installation's own target over mutual TLS: saved with its CA and client certificate as PEM (the key sealed), refused without the client certificate"
    )
    func targetWithPEM() async throws {
        let pki = try await PKI.make()
        defer { try? FileManager.default.removeItem(atPath: pki.dir) }
        try await withTLSReceiver(pki) { url, received in
            try await withSyncFixture { f in
                let settings = f.r.app.services.notificationTargetSettings(on: f.db)
                let read = { (path: String) in try String(contentsOfFile: path, encoding: .utf8) }
                var form = NotificationTargetForm(endpoint: url, ca_pem: try read(pki.ca))

                // Given no client certificate, then the receiver refuses the handshake and nothing is saved
                await #expect(throws: NotificationTargetForm.Refusal.self) { try await settings.save(form, for: f.installation) }
                #expect(try await NotificationTarget.query(on: f.db).count() == 0)

                // When the certificate and its key are given as PEM, then the test POST gets through and the target is kept
                form.client_certificate_pem = try read(pki.clientCert)
                form.client_key_pem = try read(pki.clientKey)
                let target = try await settings.save(form, for: f.installation)
                #expect(received() == 1)
                #expect(target.clientKeySealed != nil && target.clientKeySealed?.contains("PRIVATE KEY") == false)

                // And a notification of the installation goes out over the same TLS
                try await Outbox.of(f.installation).record(
                    .employee, .created, data: ["id": "x"], subjectID: nil, employeeID: UUID(), installationID: f.installation.requireID(),
                    on: f.db, now: Date())
                let sent = try? await f.sendNotifications(maxAttempts: 3)
                #expect(sent == 1 && received() == 2)
            }
        }
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// An HTTP POST to a system other than Oneflow: the HR system's notification endpoint. A
/// protocol so the sender can be tested against a fake that fails as told, and the live one
/// (`LiveOutboundHTTP`) owns the TLS settings.
protocol OutboundHTTP: Sendable {
    /// POSTs `body` and returns the answer's status; throws when there was no answer.
    func post(_ url: String, headers: [(String, String)], body: String, timeout: TimeAmount) async throws -> UInt
    func shutdown() async
}

/// Over AsyncHTTPClient: no redirects followed, the answer read up to 64 kB and dropped.
struct LiveOutboundHTTP: OutboundHTTP {
    let client: HTTPClient

    init(settings: AppConfig.Notify) throws {
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: try Self.configuration(settings))
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
        return HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: timeout, read: timeout))
    }

    func post(_ url: String, headers: [(String, String)], body: String, timeout: TimeAmount) async throws -> UInt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: timeout)
        _ = try await response.body.collect(upTo: 64 * 1024)
        return response.status.code
    }

    func shutdown() async { try? await client.shutdown() }
}

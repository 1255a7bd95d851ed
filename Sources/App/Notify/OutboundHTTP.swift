import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// An HTTP POST to a system other than Oneflow: an HR system's notification endpoint. A
/// protocol so the sender can be tested against a fake that fails as told, and the live one
/// (`LiveOutboundHTTP`) owns the TLS settings.
protocol OutboundHTTP: Sendable {
    /// POSTs `body` and returns the answer's status; throws when there was no answer.
    func post(_ url: String, headers: [(String, String)], body: String, timeout: TimeAmount, tls: OutboundTLS) async throws -> UInt
    func shutdown() async
}

/// Over AsyncHTTPClient: no redirects followed, the answer read up to 64 kB and dropped. One
/// client per TLS setting (most endpoints share the system's), made when first needed.
final class LiveOutboundHTTP: OutboundHTTP {
    private let clients = Mutex<[OutboundTLS: HTTPClient]>([:])

    init() {}

    private func client(for tls: OutboundTLS) throws -> HTTPClient {
        try clients.withLock { clients in
            if let client = clients[tls] { return client }
            let configuration = HTTPClient.Configuration(
                tlsConfiguration: try tls.configuration(), redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(30), read: .seconds(60)))
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[tls] = client
            return client
        }
    }

    /// `timeout`: the whole exchange, connecting included.
    func post(_ url: String, headers: [(String, String)], body: String, timeout: TimeAmount, tls: OutboundTLS) async throws -> UInt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client(for: tls).execute(request, timeout: timeout)
        _ = try await response.body.collect(upTo: 64 * 1024)
        return response.status.code
    }

    func shutdown() async {
        for client in clients.withLock({ clients in
            defer { clients = [:] }
            return Array(clients.values)
        }) {
            try? await client.shutdown()
        }
    }
}

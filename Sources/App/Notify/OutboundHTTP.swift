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
/// client per TLS setting (most endpoints share the system's), made when first needed and
/// kept until shutdown (a target whose certificates change leaves its old client until then).
final class LiveOutboundHTTP: OutboundHTTP {
    private struct Clients {
        var byTLS: [OutboundTLS: HTTPClient] = [:]
        /// After `shutdown` no client is made again: one made then would never be shut down.
        var closed = false
    }
    private let clients = Mutex(Clients())

    struct ShutDown: Error, CustomStringConvertible {
        var description: String { "shutting down" }
    }

    init() {}

    private func client(for tls: OutboundTLS) throws -> HTTPClient {
        try clients.withLock { clients in
            guard !clients.closed else { throw ShutDown() }
            if let client = clients.byTLS[tls] { return client }
            // No timeouts of the client's own: each request's deadline bounds it, connecting
            // included (`notify.connection_timeout`, a target's timeout).
            let configuration = HTTPClient.Configuration(
                tlsConfiguration: try tls.configuration(), redirectConfiguration: .disallow, timeout: .init(connect: .hours(1), read: nil))
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients.byTLS[tls] = client
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
        let open = clients.withLock { clients in
            clients.closed = true
            defer { clients.byTLS = [:] }
            return Array(clients.byTLS.values)
        }
        for client in open { try? await client.shutdown() }
    }
}

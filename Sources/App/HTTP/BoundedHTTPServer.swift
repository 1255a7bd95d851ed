import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import Vapor

/// HR Bridge's HTTP/1.1 server: NIO's HTTP codec and Vapor's responder (routes, middleware),
/// joined by `BoundedRequestHandler` instead of Vapor's own server, whose pipeline has no
/// public hook for a deadline on the request head or for closing a connection after a 413 or
/// 408 (issue #22, item 9). Everything else is as Vapor's server does it: the same settings
/// (`app.http.server.configuration`: address, backlog, `SO_REUSEADDR`, `TCP_NODELAY`, idle
/// timeout, server name, shutdown timeout), pipelining, `Connection` handling, graceful
/// shutdown. No TLS and no HTTP/2: a reverse proxy terminates those (README).
///
/// Bodies go both ways whole: a request's body is read (within its route's limit) before the
/// route runs, and a streamed response is collected before it is written. Our largest answers
/// are PDFs and exports of one employee, a few MB at most.
final class BoundedHTTPServer: Server {
    private let application: Application
    private let deadlines: RequestLimits.Deadlines
    private let running = NIOLockedValueBox<(channel: any Channel, quiesce: ServerQuiescingHelper)?>(nil)

    init(application: Application, deadlines: RequestLimits.Deadlines) {
        self.application = application
        self.deadlines = deadlines
    }

    var onShutdown: EventLoopFuture<Void> {
        running.withLockedValue { $0?.channel.closeFuture } ?? application.eventLoopGroup.any().makeSucceededVoidFuture()
    }

    var localAddress: SocketAddress? { running.withLockedValue { $0?.channel.localAddress } }

    func start(address: BindAddress?) async throws {
        var configuration = application.http.server.configuration
        switch address {
        case .none: break
        case .hostname(let hostname, let port):
            configuration.address = .hostname(hostname ?? configuration.hostname, port: port ?? configuration.port)
        case .unixDomainSocket: configuration.address = address!
        }
        // TLS and HTTP/2 are a reverse proxy's (README, "Deploying behind HTTPS").
        guard configuration.tlsConfiguration == nil, configuration.supportVersions.contains(.one) else {
            throw Abort(.internalServerError, reason: "BoundedHTTPServer serves plain HTTP/1.1 only")
        }
        // Routes and middleware are complete by now: read once, used by every connection.
        let responder = application.responder.current
        let limits = RequestLimits(routes: application.routes, deadlines: deadlines)
        let quiesce = ServerQuiescingHelper(group: application.eventLoopGroup)
        let (application, idleTimeout, serverName) = (application, configuration.idleTimeout, configuration.serverName)
        let bootstrap = ServerBootstrap(group: application.eventLoopGroup)
            .serverChannelOption(.maxMessagesPerRead, value: configuration.connectionsPerServerTick)
            .serverChannelOption(.backlog, value: Int32(configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: configuration.reuseAddress ? 1 : 0)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = BoundedRequestHandler(application: application, responder: responder, limits: limits, serverName: serverName)
                    let pipeline = channel.pipeline.syncOperations
                    if let idleTimeout { try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout)) }
                    try pipeline.addHandler(RequestStartWatch(handler))
                    // Response encoder, request decoder, pipelining, and a 400 for what cannot be parsed.
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(handler)
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: configuration.tcpNoDelay ? 1 : 0)
            .childChannelOption(.socketOption(.so_reuseaddr), value: configuration.reuseAddress ? 1 : 0)
            .childChannelOption(.maxMessagesPerRead, value: 1)

        let channel: any Channel
        do {
            switch configuration.address {
            case .hostname: channel = try await bootstrap.bind(host: configuration.hostname, port: configuration.port).get()
            case .unixDomainSocket(let path): channel = try await bootstrap.bind(unixDomainSocketPath: path).get()
            }
        } catch {
            quiesce.initiateShutdown(promise: nil)
            throw error
        }
        running.withLockedValue {
            precondition($0 == nil, "the server was started twice")
            $0 = (channel, quiesce)
        }
        // The address actually bound (port 0 picks one), as Vapor's server says it.
        let bound = channel.localAddress.map { address in
            address.pathname.map { "http+unix: \($0)" } ?? "http://\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        }
        configuration.logger.notice("Server started on \(bound ?? "?")")
    }

    /// Stops accepting, lets each connection finish the request in hand (closing idle ones at
    /// once), and gives up after the configured shutdown timeout.
    func shutdown() async {
        guard let (channel, quiesce) = running.withLockedValue({ $0 }) else { return }
        let timeout = application.http.server.configuration.shutdownTimeout
        let done = channel.eventLoop.makePromise(of: Void.self)
        let late = channel.eventLoop.scheduleTask(in: timeout) { done.fail(Abort(.internalServerError, reason: "Server stop took too long.")) }
        quiesce.initiateShutdown(promise: done)
        do {
            try await done.futureResult.get()
        } catch {
            application.logger.error("could not stop the HTTP server in time")
        }
        late.cancel()
        running.withLockedValue { $0 = nil }
    }

    @available(*, noasync)
    func start(address: BindAddress?) throws {
        try application.eventLoopGroup.any().makeFutureWithTask { try await self.start(address: address) }.wait()
    }

    @available(*, noasync)
    func shutdown() {
        try? application.eventLoopGroup.any().makeFutureWithTask { await self.shutdown() }.wait()
    }
}

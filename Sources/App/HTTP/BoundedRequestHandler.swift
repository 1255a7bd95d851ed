import Logging
import NIOCore
import NIOHTTP1
import Vapor

/// Reads each request whole — head, then body — within its `RequestAllowance`, hands it to
/// Vapor's responder, and writes the answer. What Vapor's own server could not do, and this
/// does (README, "Configuration", `http.*_deadline_seconds`, and "Deploying behind HTTPS"):
///
/// - A deadline on the request *head*: a client trickling its request line or headers a byte
///   at a time is closed `http.head_deadline_seconds` after its first byte. Vapor's server
///   hands nothing on before the head is whole, so only the idle timer, which every byte
///   restarts, bounded it.
/// - One deadline for the whole request (30 s for a webhook, 300 s otherwise), head included.
/// - After a refusal (413 for a body announced or found larger than the route takes, 408 for
///   one not whole by its deadline) the connection is closed: what the client still sends is
///   dropped unread, and after a short linger the socket goes. Vapor's server kept such a
///   connection open and read the rest of the body.
///
/// Shutting down is NIO's pipelining handler's work: it takes the server's quiesce event, closes
/// idle connections, and marks the answer in hand `Connection: close`.
///
/// A refused request still goes through the middleware (without its body, marked with its
/// `RequestRefusal`), so it is logged and answered like any other error; its route never runs.
final class BoundedRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase: Equatable {
        /// Between requests: the idle timer alone bounds the wait.
        case idle
        /// The first bytes of a head arrived; the head is not whole yet.
        case head
        /// The head is read; the body is arriving.
        case body
        /// The request is whole and its route runs. The pipelining handler holds a next request meanwhile.
        case responding
        /// Refused or answered for the last time: whatever still arrives is dropped.
        case closing
    }

    private let application: Application
    private let responder: any Responder
    private let limits: RequestLimits
    private let serverName: String?
    private let linger: TimeAmount

    private var phase = Phase.idle
    private var since = NIODeadline.now()
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var maxBody = 0
    private var timer: Scheduled<Void>?
    /// Line breaks read between requests, which start no request (RFC 9112 §2.2) up to a few.
    private var strayLineBreaks = 0
    private var dates = HTTPDate()

    init(application: Application, responder: any Responder, limits: RequestLimits, serverName: String?, linger: TimeAmount = .seconds(2)) {
        self.application = application
        self.responder = responder
        self.limits = limits
        self.serverName = serverName
        self.linger = linger
    }

    /// Called by `RequestStartWatch` for every read, before the HTTP decoder sees its bytes.
    /// Returns false when the bytes are to be dropped (the connection is closing).
    func bytesArrived(_ bytes: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        switch phase {
        case .idle:
            // A line break between requests (some clients send one after a body) starts none;
            // more than a couple count as a head, or a client could hold the connection with them.
            if !bytes.readableBytesView.contains(where: { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }) {
                strayLineBreaks += bytes.readableBytes
                if strayLineBreaks <= 4 { return true }
            }
            phase = .head
            since = .now()
            arm(context, at: since + limits.deadlines.head) { handler, context in
                guard handler.phase == .head else { return }
                // No request exists to answer yet; fail2ban can match this line by its address.
                handler.application.logger.notice(
                    "connection closed: its request head was not whole in time",
                    metadata: ["client": .string(context.channel.remoteAddress?.ipAddress ?? "unknown")])
                handler.phase = .closing
                context.close(promise: nil)
            }
            return true
        case .closing: return false
        case .head, .body, .responding: return true
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            begin(head, context: context)
        case .body(var chunk):
            guard phase == .body else { return }  // dropped after a refusal
            if (body?.readableBytes ?? 0) + chunk.readableBytes > maxBody {
                refuse(.tooLarge(limit: maxBody), context: context)
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard phase == .body, let head else { return }
            cancelTimer()
            phase = .responding
            let request = makeRequest(head, body: body, context: context)
            // Cleared before responding: an answer given at once lets the next pipelined request in.
            body = nil
            respond(to: request, keepAlive: head.isKeepAlive, context: context)
        }
    }

    private func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard phase == .head || phase == .idle else { return }
        // A pipelined head whose bytes came with the previous request's starts now.
        let start = phase == .head ? since : .now()
        cancelTimer()
        let announced = head.headers.first(name: .contentLength).flatMap(Int.init)
        let chunked = head.headers[.transferEncoding].contains { $0.lowercased().contains("chunked") }
        let allowance = limits.allowance(method: head.method, uri: head.uri[...], announcesBody: (announced ?? 0) > 0 || chunked)
        (self.head, body, maxBody, since, phase) = (head, nil, allowance.maxBody, start, .body)
        if let announced, announced > allowance.maxBody {
            refuse(.tooLarge(limit: allowance.maxBody), context: context)
            return
        }
        arm(context, at: start + allowance.deadline) { handler, context in
            guard handler.phase == .body else { return }
            handler.refuse(.tooSlow, context: context)
        }
        // A client that waits to be asked for its body (RFC 9110 §10.1.1) is asked now that it fits.
        if head.version.major > 1 || head.version.minor >= 1, head.headers[.expect].contains(where: { $0.lowercased() == "100-continue" }) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
    }

    /// Answers the request in hand through the middleware, without its body, and closes.
    private func refuse(_ refusal: RequestRefusal, context: ChannelHandlerContext) {
        guard let head else { return }
        cancelTimer()
        phase = .closing
        body = nil
        let request = makeRequest(head, body: nil, context: context)
        request.storage[RequestRefusal.Key.self] = refusal
        respond(to: request, keepAlive: false, context: context)
    }

    private func makeRequest(_ head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) -> Request {
        // `URI(path:)`, as Vapor's own request decoder reads a request line (a leading `//` is a path, not a host).
        Request(
            application: application, method: head.method, url: URI(path: head.uri), version: head.version,
            headersNoUpdate: head.headers, collectedBody: body, remoteAddress: context.channel.remoteAddress,
            logger: application.logger, byteBufferAllocator: context.channel.allocator, on: context.eventLoop)
    }

    private func respond(to request: Request, keepAlive: Bool, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        responder.respond(to: request)
            .flatMap { response in response.body.collect(on: loop).map { (response, $0) } }
            .hop(to: loop).assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success((let response, let buffer)):
                    self.write(response, body: buffer, for: request, keepAlive: keepAlive, context: context)
                case .failure(let error):
                    // The error middleware answers every error a route throws; this is a body stream that failed.
                    request.logger.error("response failed", metadata: ["error": .string(String(reflecting: type(of: error)))])
                    self.write(Response(status: .internalServerError), body: nil, for: request, keepAlive: false, context: context)
                }
            }
    }

    private func write(_ response: Response, body: ByteBuffer?, for request: Request, keepAlive: Bool, context: ChannelHandlerContext) {
        // The client left while the route ran (or another answer closed the connection).
        guard context.channel.isActive else { return }
        let keepAlive = keepAlive && phase != .closing
        var headers = response.headers
        headers.replaceOrAdd(name: .connection, value: keepAlive ? "keep-alive" : "close")
        headers.replaceOrAdd(name: .date, value: dates.now())
        if let serverName { headers.replaceOrAdd(name: .server, value: serverName) }
        let status = response.status
        let bodyless = status.code < 200 || status == .noContent || status == .notModified
        headers.remove(name: .transferEncoding)
        if bodyless {
            headers.remove(name: .contentLength)
        } else {
            // A streamed body was collected above: its length is known now.
            headers.replaceOrAdd(name: .contentLength, value: String(body?.readableBytes ?? 0))
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: response.version, status: status, headers: headers))), promise: nil)
        if let body, body.readableBytes > 0, !bodyless, request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        // Before the end is written: the pipelining handler may pass on the next request at once.
        phase = keepAlive ? .idle : .closing
        head = nil
        strayLineBreaks = 0
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        guard !keepAlive else { return }
        // A last answer the client does not read is not waited for beyond the request deadline:
        // the bytes it still sends are dropped, but each would restart the idle timer.
        arm(context, at: .now() + limits.deadlines.request) { _, context in context.close(promise: nil) }
        written.assumeIsolated().whenComplete { _ in self.closeGently(context) }
    }

    /// Half-closes, so the client reads the whole answer before it sees the connection go (a
    /// full close with its body still arriving would reset the connection and lose the answer),
    /// then closes for good after a short linger whatever the client does.
    private func closeGently(_ context: ChannelHandlerContext) {
        context.close(mode: .output).assumeIsolated().whenComplete { result in
            if case .failure = result { context.close(promise: nil) }
        }
        arm(context, at: .now() + linger) { _, context in context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        phase = .closing
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Malformed requests were answered 400 by NIO's protocol error handler before this.
        application.logger.debug("connection closed after an error", metadata: ["error": .string(String(reflecting: type(of: error)))])
        phase = .closing
        context.close(promise: nil)
    }

    private func arm(
        _ context: ChannelHandlerContext, at deadline: NIODeadline, _ fire: @escaping (BoundedRequestHandler, ChannelHandlerContext) -> Void
    ) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            fire(self, context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}

import NIOCore
import Vapor

/// Two limits every request body meets before a route sees it:
///
/// - A body announced larger than the route accepts is refused with 413 on its first bytes,
///   from its `Content-Length` (Vapor's own check counts the bytes as they arrive, so a
///   client could make us read up to the limit first).
/// - A deadline for the whole body: one that has not arrived by then is answered 408 and the
///   route never runs; what the client still sends is read and dropped. The idle timer alone
///   restarts on every byte, so a client trickling one byte every few seconds held a request
///   — and the route's work after it — for ever. Vapor gives middleware no way to close the
///   connection itself: the proxy's `client_body_timeout` does that (README).
///
/// The body is read here rather than by the route, so that the deadline can stop it. The
/// route then gets the request with its body collected. A body that came with its head
/// (every webhook Oneflow sends, a few hundred bytes) is already collected by Vapor and
/// passes straight through.
/// Reading the request head is bounded by the idle timer and the proxy's
/// `client_header_timeout`: Vapor hands a request to middleware only once its head is read.
struct RequestLimitsMiddleware: Middleware {
    let webhookDeadline: TimeAmount
    let requestDeadline: TimeAmount

    // Not an AsyncMiddleware: that costs every request a task of its own (Vapor runs each
    // one through `makeFutureWithTask`), and this one passes nearly every request straight on.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let isWebhook = request.routedPath.hasPrefix(WebhookURL.pathPrefix)
        let limit = isWebhook ? WebhookReceiver.maxBody.value : request.route?.bodyLimit ?? request.application.routes.defaultMaxBodySize.value
        let announced = request.headers.first(name: .contentLength).flatMap(Int.init)
        if let announced, announced > limit {
            let tooLarge = Self.tooLarge(limit)
            // Failing its stream makes Vapor drop the rest instead of buffering it for nobody.
            request.body.drain { _ in request.eventLoop.makeFailedFuture(tooLarge) }
            return request.eventLoop.makeFailedFuture(tooLarge)
        }
        let streams = (announced ?? 0) > 0 || request.headers[.transferEncoding].contains { $0.lowercased().contains("chunked") }
        guard streams, request.body.data == nil else { return next.respond(to: request) }

        let deadline = NIODeadline.now() + (isWebhook ? webhookDeadline : requestDeadline)
        return Self.collect(request, max: limit, deadline: deadline).flatMap { body in
            let collected = Request(
                application: request.application, method: request.method, url: request.url, version: request.version,
                headersNoUpdate: request.headers, collectedBody: body, remoteAddress: request.remoteAddress,
                logger: request.logger, byteBufferAllocator: request.byteBufferAllocator, on: request.eventLoop)
            // Vapor matched the route before the middleware ran: its parameters go along.
            collected.route = request.route
            collected.parameters = request.parameters
            return next.respond(to: collected)
        }
    }

    static func tooLarge(_ limit: Int) -> Abort {
        Abort(.payloadTooLarge, reason: "The body is larger than this endpoint accepts (\(limit / 1024) kB).")
    }

    /// Reads the streamed body until its end, `max` bytes or `deadline`, whichever comes first.
    /// Past the limit or the deadline the stream is failed: Vapor drops the rest of the body.
    static func collect(_ request: Request, max: Int, deadline: NIODeadline) -> EventLoopFuture<ByteBuffer> {
        let loop = request.eventLoop
        // Set up on the request's loop, as Vapor reads a body stream (vapor/vapor#2906).
        return loop.flatSubmit { () -> EventLoopFuture<ByteBuffer> in
            let promise = loop.makePromise(of: ByteBuffer.self)
            let refusal = NIOLoopBoundBox<(any Error)?>(nil, eventLoop: loop)
            let timer = loop.scheduleTask(deadline: deadline) {
                let late = Abort(.requestTimeout, reason: "The request body did not arrive in time.")
                refusal.value = refusal.value ?? late
                promise.fail(late)
            }
            let buffer = NIOLoopBoundBox(request.byteBufferAllocator.buffer(capacity: 0), eventLoop: loop)
            request.body.drain { part in
                if let refused = refusal.value { return loop.makeFailedFuture(refused) }
                switch part {
                case .buffer(var chunk):
                    guard buffer.value.readableBytes + chunk.readableBytes <= max else {
                        let tooLarge = Self.tooLarge(max)
                        refusal.value = tooLarge
                        promise.fail(tooLarge)
                        return loop.makeFailedFuture(tooLarge)
                    }
                    buffer.value.writeBuffer(&chunk)
                case .error(let error): promise.fail(error)
                case .end: promise.succeed(buffer.value)
                }
                return loop.makeSucceededVoidFuture()
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            return promise.futureResult
        }
    }
}

import NIOCore
import Vapor

/// Two limits every request meets before a route sees it:
///
/// - A body announced larger than the route accepts is refused with 413 at once, from its
///   `Content-Length`, before a byte of it is read (Vapor's own check counts the bytes as
///   they arrive, so a client could make us read up to the limit first).
/// - A whole-request deadline: reading the body and answering must finish within it, or the
///   answer is 408 and the connection is closed. The idle timer alone restarts on every
///   byte, so a client trickling one byte every few seconds held a connection for ever.
///   (Reading the request head is bounded by the idle timer and the proxy's
///   `client_header_timeout`: Vapor gives middleware no hook before the head is complete.)
struct RequestLimitsMiddleware: AsyncMiddleware {
    let webhookDeadline: TimeAmount
    let requestDeadline: TimeAmount

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let isWebhook = request.url.path.hasPrefix(WebhookURL.pathPrefix)
        let limit = isWebhook ? WebhookReceiver.maxBody.value : request.application.routes.defaultMaxBodySize.value
        if let announced = request.headers.first(name: .contentLength).flatMap(Int.init), announced > limit {
            throw Abort(.payloadTooLarge, headers: ["Connection": "close"], reason: "The body is larger than this endpoint accepts (\(limit / 1024) kB).")
        }
        let deadline = isWebhook ? webhookDeadline : requestDeadline
        let promise = request.eventLoop.makePromise(of: Response.self)
        let timer = request.eventLoop.scheduleTask(in: deadline) {
            promise.fail(Abort(.requestTimeout, headers: ["Connection": "close"], reason: "The request took too long to arrive."))
        }
        promise.completeWithTask { try await next.respond(to: request) }
        defer { timer.cancel() }
        return try await promise.futureResult.get()
    }
}

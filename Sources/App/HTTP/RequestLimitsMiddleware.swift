import Vapor

/// Answers a request that `BoundedHTTPServer` refused while reading it — a body larger than
/// its route takes (413), or a request not whole by its deadline (408) — before its route runs.
/// The refusal comes through the middleware rather than being written by the server itself so
/// that it is logged, rendered (JSON or page) and given its headers as every other error is.
struct RequestLimitsMiddleware: Middleware {
    // Not an AsyncMiddleware: that costs every request a task of its own (Vapor runs each
    // one through `makeFutureWithTask`), and this one passes nearly every request straight on.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard let refusal = request.storage[RequestRefusal.Key.self] else { return next.respond(to: request) }
        return request.eventLoop.makeFailedFuture(refusal.error)
    }
}

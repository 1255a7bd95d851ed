import NIOCore
import Vapor

/// What one request may send before its route runs: the largest body its route takes, and how
/// long the whole request — head and body, counted from its first byte — may take to arrive.
/// `BoundedRequestHandler` measures every request against it while it reads.
struct RequestAllowance: Sendable, Equatable {
    var maxBody: Int
    var deadline: TimeAmount
}

/// Why a request was answered before its route ran. The server puts it on the request it hands
/// to the middleware, and `RequestLimitsMiddleware` answers it, so a refusal is logged, rendered
/// and given its headers like every other error.
enum RequestRefusal: Sendable, Equatable {
    /// Its `Content-Length`, or the bytes read so far, passed the route's limit.
    case tooLarge(limit: Int)
    /// The request was not whole by its deadline.
    case tooSlow

    struct Key: StorageKey { typealias Value = RequestRefusal }

    var error: Abort {
        switch self {
        case .tooLarge(let limit): Abort(.payloadTooLarge, reason: "The body is larger than this endpoint accepts (\(limit / 1024) kB).")
        case .tooSlow: Abort(.requestTimeout, reason: "The request body did not arrive in time.")
        }
    }
}

/// Each route's allowance, found from the request head alone — before the body is read, so
/// before Vapor has matched the route. Built once when the server starts, from the routes as
/// registered: the limit a route names with `.bodyLimit(_:)`, else `routes.defaultMaxBodySize`.
final class RequestLimits: Sendable {
    struct Deadlines: Sendable {
        /// The request head (request line and headers) must be whole this long after its first byte.
        var head: TimeAmount
        /// The whole webhook request, from its first byte.
        var webhook: TimeAmount
        /// The whole of any other request, from its first byte.
        var request: TimeAmount
    }

    let deadlines: Deadlines
    private let defaultLimit: Int
    private let byRoute: RouteLimits

    init(routes: Routes, deadlines: Deadlines) {
        self.deadlines = deadlines
        self.defaultLimit = routes.defaultMaxBodySize.value
        self.byRoute = RouteLimits(routes)
    }

    /// `uri` as in the request line (path and query). A request announcing no body is not
    /// looked up: whatever limit its route has, it reads nothing.
    func allowance(method: HTTPMethod, uri: Substring, announcesBody: Bool) -> RequestAllowance {
        let path = uri.prefix { $0 != "?" }
        if path.hasPrefix(WebhookURL.pathPrefix) {
            return RequestAllowance(maxBody: WebhookReceiver.maxBody.value, deadline: deadlines.webhook)
        }
        // The path as Vapor reads it for routing (`URI(path:)`, as its request decoder builds it).
        let limit = announcesBody ? byRoute.limit(method: method, path: URI(path: String(uri)).path) ?? defaultLimit : defaultLimit
        return RequestAllowance(maxBody: limit, deadline: deadlines.request)
    }
}

/// The routes' body limits in RoutingKit's trie, the router Vapor itself matches requests with,
/// so a path finds the same route here as it will there.
private final class RouteLimits: @unchecked Sendable {
    // Unchecked: filled in `init` and only read after it, as Vapor's own `DefaultResponder`
    // uses its `TrieRouter` from every event loop.
    private let router: TrieRouter<Int>

    init(_ routes: Routes) {
        router = TrieRouter(Int.self, options: routes.caseInsensitive ? [.caseInsensitive] : [])
        for route in routes.all {
            let path = route.path.filter { if case .constant("") = $0 { false } else { true } }
            router.register(route.bodyLimit ?? routes.defaultMaxBodySize.value, at: [.constant(route.method.rawValue)] + path)
        }
    }

    func limit(method: HTTPMethod, path: String) -> Int? {
        var parameters = Parameters()
        return router.route(path: [method.rawValue] + path.split(separator: "/").map(String.init), parameters: &parameters)
    }
}

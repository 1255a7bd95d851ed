import Foundation
import Synchronization
import Vapor

/// A real HTTP server on 127.0.0.1 (port 0) for tests: it records every request and answers
/// what `respond` says. It plays Oneflow for the client's tests, a webhook endpoint for the
/// sandbox's, and the HR system's notification endpoint for the App's.
public final class RecordingServer: Sendable {
    /// One request as it arrived; header names lower-cased.
    public struct Recorded: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: [String: String]
        public var body: String
        public var at: Date

        public var contentType: String? { headers["content-type"] }
    }

    public struct Reply: Sendable {
        public var status: HTTPResponseStatus
        public var body: String
        public var headers: [String: String]
        public var delay: Duration?

        public init(status: HTTPResponseStatus, body: String = "", headers: [String: String] = [:], delay: Duration? = nil) {
            (self.status, self.body, self.headers, self.delay) = (status, body, headers, delay)
        }

        public static func json(_ body: String, status: HTTPResponseStatus = .ok, delay: Duration? = nil) -> Reply {
            Reply(status: status, body: body, headers: ["content-type": "application/json"], delay: delay)
        }
    }

    private let app: Application
    private let log: RequestLog
    public let port: Int

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var requests: [Recorded] { log.all }

    private init(app: Application, port: Int, log: RequestLog) {
        (self.app, self.port, self.log) = (app, port, log)
    }

    /// Serves every method and path; `respond` sees each request after it is recorded.
    public static func start(logLevel: Logger.Level = .warning, _ respond: @escaping @Sendable (Recorded) -> Reply) async throws -> RecordingServer {
        let app = try await Application.make(.testing)
        app.logger.logLevel = logLevel
        let log = RequestLog()
        let handler: @Sendable (Request) async throws -> Response = { req in
            var headers: [String: String] = [:]
            for (name, value) in req.headers { headers[name.lowercased()] = value }
            let recorded = Recorded(
                method: req.method.rawValue, path: req.url.path, query: req.url.query, headers: headers,
                body: req.body.string ?? "", at: Date())
            log.append(recorded)
            let reply = respond(recorded)
            if let delay = reply.delay { try await Task.sleep(for: delay) }
            var responseHeaders = HTTPHeaders()
            for (name, value) in reply.headers { responseHeaders.add(name: name, value: value) }
            return Response(status: reply.status, headers: responseHeaders, body: .init(string: reply.body))
        }
        for method in [HTTPMethod.GET, .POST, .PUT, .DELETE, .PATCH] {
            app.on(method, "**", body: .collect(maxSize: "1mb"), use: handler)
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        return RecordingServer(app: app, port: port, log: log)
    }

    /// Answers the next of `statuses` to each request, then 200: an endpoint that fails a
    /// few times before it takes a delivery. With `only`, any other method or path is 404, as
    /// a real endpoint answers a caller that got them wrong.
    public static func start(statuses: [UInt] = [], only: (method: String, path: String)? = nil) async throws -> RecordingServer {
        let queue = Mutex(statuses)
        return try await start { request in
            if let only, request.method != only.method || request.path != only.path { return Reply(status: .notFound, body: "no such endpoint") }
            return Reply(status: HTTPResponseStatus(statusCode: Int(queue.withLock { $0.isEmpty ? 200 : $0.removeFirst() })), body: "ok")
        }
    }

    public func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private final class RequestLog: Sendable {
        private let inner = Mutex<[Recorded]>([])
        func append(_ item: Recorded) { inner.withLock { $0.append(item) } }
        var all: [Recorded] { inner.withLock { $0 } }
    }
}

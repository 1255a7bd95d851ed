import Foundation
import NIOCore
import Vapor

/// A real HTTP server on 127.0.0.1, port 0, answering canned responses and recording every
/// request. The client under test talks to it over loopback as it would to Oneflow.
final class StubServer: Sendable {
    struct Recorded: Sendable {
        var method: String
        var path: String
        var query: String?
        var headers: [String: String]
        var body: String
    }

    struct Canned: Sendable {
        var status: HTTPResponseStatus
        var body: String
        var headers: [String: String]
        var delay: Duration?

        static func json(_ body: String, status: HTTPResponseStatus = .ok, delay: Duration? = nil) -> Canned {
            Canned(status: status, body: body, headers: ["content-type": "application/json"], delay: delay)
        }
    }

    actor Recorder {
        var requests: [Recorded] = []
        func append(_ request: Recorded) { requests.append(request) }
    }

    let app: Application
    let port: Int
    let recorder: Recorder

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Recorded] { get async { await recorder.requests } }

    private init(app: Application, port: Int, recorder: Recorder) {
        self.app = app
        self.port = port
        self.recorder = recorder
    }

    /// - Parameter responses: `"METHOD /path"` → response. Anything else gets Oneflow's 404 body.
    static func start(_ responses: [String: Canned]) async throws -> StubServer {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .error
        let recorder = Recorder()
        let handler: @Sendable (Request) async throws -> Response = { req in
            var headers: [String: String] = [:]
            for (name, value) in req.headers { headers[name.lowercased()] = value }
            await recorder.append(Recorded(method: req.method.rawValue, path: req.url.path, query: req.url.query,
                                           headers: headers, body: req.body.string ?? ""))
            let canned = responses["\(req.method.rawValue) \(req.url.path)"]
                ?? .json(Fixtures.notFoundError, status: .notFound)
            if let delay = canned.delay { try await Task.sleep(for: delay) }
            var responseHeaders = HTTPHeaders()
            for (name, value) in canned.headers { responseHeaders.add(name: name, value: value) }
            return Response(status: canned.status, headers: responseHeaders, body: .init(string: canned.body))
        }
        for method in [HTTPMethod.GET, .POST, .PUT, .DELETE] {
            app.on(method, "**", body: .collect(maxSize: "1mb"), use: handler)
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        return StubServer(app: app, port: port, recorder: recorder)
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}

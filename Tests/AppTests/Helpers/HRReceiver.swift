import Foundation
import Synchronization
import Vapor

/// Plays the HR system's notification endpoint: records each POST, answers the next status
/// from `statuses` (then 200).
final class HRReceiver: Sendable {
    struct Received: Sendable { var query: String?; var signature: String?; var body: String }

    final class State: Sendable {
        private let inner: Mutex<(statuses: [UInt], log: [Received])>
        init(statuses: [UInt]) { inner = Mutex((statuses, [])) }
        func record(_ item: Received) -> UInt {
            inner.withLock { s in
                s.log.append(item)
                return s.statuses.isEmpty ? 200 : s.statuses.removeFirst()
            }
        }
        var log: [Received] { inner.withLock { $0.log } }
    }

    private let app: Application
    private let state: State
    let port: Int

    var url: String { "http://127.0.0.1:\(port)/hr/notify" }
    var received: [Received] { state.log }

    private init(app: Application, port: Int, state: State) {
        (self.app, self.port, self.state) = (app, port, state)
    }

    static func start(statuses: [UInt] = []) async throws -> HRReceiver {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let state = State(statuses: statuses)
        app.post("hr", "notify") { req -> HTTPStatus in
            let item = Received(query: req.url.query, signature: req.headers.first(name: "x-signature"), body: req.body.string ?? "")
            return HTTPResponseStatus(statusCode: Int(state.record(item)))
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        return HRReceiver(app: app, port: port, state: state)
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}

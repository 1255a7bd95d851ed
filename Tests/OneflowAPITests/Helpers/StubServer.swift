import Foundation
import TestSupport
import Vapor

/// Plays Oneflow for the client: the shared recording server, answering canned responses by
/// `"METHOD /path"`, and Oneflow's 404 body to anything else.
typealias StubServer = RecordingServer

extension RecordingServer {
    typealias Canned = Reply

    static func start(_ responses: [String: Reply]) async throws -> RecordingServer {
        try await start(logLevel: .error) { request in
            responses["\(request.method) \(request.path)"] ?? .json(Fixtures.notFoundError, status: .notFound)
        }
    }
}

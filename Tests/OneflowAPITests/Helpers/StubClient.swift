import Foundation

@testable import OneflowAPI

/// Runs `body` with an `OneflowHTTPClient` pointed at a fresh `StubServer`, and tears both down.
/// The base URL ends in `/`, which the client must drop. The timeout is generous: the stub is
/// on loopback, but the suite runs beside hundreds of other tests on two cores (a test that
/// is about the timeout passes its own).
func withStubClient(
    _ responses: [String: StubServer.Canned], timeout: Int64 = 30, _ body: (OneflowHTTPClient, StubServer) async throws -> Void
) async throws {
    let stub = try await StubServer.start(responses)
    let http = OneflowHTTPClient.makeHTTPClient()
    let client = OneflowHTTPClient(baseURL: stub.baseURL + "/", http: http, timeout: .seconds(timeout))
    do {
        try await body(client, stub)
    } catch {
        try? await http.shutdown()
        try? await stub.stop()
        throw error
    }
    try await http.shutdown()
    try await stub.stop()
}

/// A recorded JSON request body as a dictionary, to check which keys were (not) sent.
func jsonObject(_ body: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
}

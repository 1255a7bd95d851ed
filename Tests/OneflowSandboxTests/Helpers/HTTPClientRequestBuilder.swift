import AsyncHTTPClient
import Foundation
import NIOCore

/// Raw HTTP calls for the few tests that must look at bytes the client would hide.
enum HTTPClientRequestBuilder {
    static func get(_ url: String) -> HTTPClientRequest { HTTPClientRequest(url: url) }

    static func send(_ request: HTTPClientRequest, with http: HTTPClient) async throws -> (Int, Data) {
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 10 * 1024 * 1024)
        return (Int(response.status.code), Data(body.readableBytesView))
    }
}

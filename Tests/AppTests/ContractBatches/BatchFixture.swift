import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor

@testable import App

/// Contract batches seen from the HR system: post one with an API key, read it back, run the
/// worker until it has done what it can.
extension RequestFixture {
    /// `POST /api/v1/contract-batches`; an operator key names this fixture's installation.
    func postBatch(_ rows: [[String: Any]], defaults: [String: Any]? = nil, headers: [String: String] = [:], key: String? = nil) async throws
        -> Browser.Page
    {
        var body: [String: Any] = ["requests": rows]
        if let defaults { body["defaults"] = defaults }
        if (key ?? self.key) == testAPIKey { body["installation_id"] = installationID.uuidString }
        return try await f.r.browser().send(
            .POST, "/api/v1/contract-batches", body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self),
            contentType: "application/json", headers: headers.merging(["authorization": "Bearer \(key ?? self.key)"]) { a, _ in a })
    }

    func batchJSON(_ page: Browser.Page) throws -> ContractBatchJSON {
        try JSONDecoder().decode(ContractBatchJSON.self, from: Data(page.body.utf8))
    }

    func batch(_ id: UUID, key: String? = nil) async throws -> ContractBatchJSON {
        let page = try await send(.GET, "/api/v1/contract-batches/\(id)", key: key)
        #expect(page.status == 200, "\(page.body)")
        return try batchJSON(page)
    }

    /// Runs the worker (moving `clock` on by `step` each round, when given) until the batch is
    /// done or cancelled, at most `rounds` rounds. - Returns: the batch then.
    @discardableResult
    func runBatch(_ id: UUID, clock: ManualClock? = nil, step: TimeInterval = 1, rounds: Int = 600) async throws -> ContractBatchJSON {
        var batch = try await self.batch(id)
        for _ in 0..<rounds where !["done", "cancelled"].contains(batch.state) {
            clock?.advance(by: step)
            if clock == nil { try await Task.sleep(for: .milliseconds(20)) }
            await f.drain()
            batch = try await self.batch(id)
        }
        return batch
    }

    /// The sandbox's contracts of this account, every page.
    func everySandboxContract() async throws -> [Contract] {
        var all: [Contract] = []
        while true {
            let page = try await f.r.oneflow.contracts(f.credentials, query: ContractQuery(offset: all.count, limit: 100)).data
            all += page
            if page.count < 100 { return all }
        }
    }

    /// Sets the sandbox's rate limit (calls per token per window; 0: none).
    func rateLimit(_ calls: Int, windowSeconds: Int = 300) async throws {
        let page = try await f.r.browser().send(
            .PUT, "/sandbox/control/rate-limit", body: #"{"calls":\#(calls),"window_seconds":\#(windowSeconds)}"#, contentType: "application/json")
        #expect(page.status == 200, "\(page.body)")
    }
}

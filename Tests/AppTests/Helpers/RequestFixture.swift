import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor

@testable import App

/// A `SyncFixture` seen from the HR system's side of contract requests: post them with an
/// API key, read them back, run the jobs.
struct RequestFixture {
    let f: SyncFixture
    /// The operator key (`API_KEYS`), unless a scoped one is given.
    var key: String = testAPIKey

    var installationID: UUID { f.installation.id! }

    /// `POST /api/v1/contract-requests`; an operator key names this fixture's installation.
    func post(_ body: [String: Any], headers: [String: String] = [:], key: String? = nil) async throws -> Browser.Page {
        var body = body
        if (key ?? self.key) == testAPIKey, body["installation_id"] == nil { body["installation_id"] = installationID.uuidString }
        return try await f.r.browser().send(
            .POST, "/api/v1/contract-requests", body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self),
            contentType: "application/json", headers: headers.merging(["authorization": "Bearer \(key ?? self.key)"]) { a, _ in a })
    }

    func send(_ method: HTTPMethod, _ path: String, key: String? = nil) async throws -> Browser.Page {
        try await f.r.browser().send(method, path, headers: ["authorization": "Bearer \(key ?? self.key)"])
    }

    /// A second installation ("Beta Oy"), and a scoped key for each: this fixture's, then Beta's.
    func secondInstallationWithKeys() async throws -> (beta: Installation, keyA: String, keyB: String) {
        let account = try await f.r.newAccount("Beta Oy")
        let beta = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).connect(token: account.token)
        return (beta, try await ScopedAPIKeyTests().key(f, for: f.installation), try await ScopedAPIKeyTests().key(f, for: beta))
    }

    /// A new hire's request, with the start date our template requires.
    static func newHire(_ name: String = "Grace Hopper", email: String = "grace@example.com", send: Bool = true) -> [String: Any] {
        [
            "person": ["name": name, "email": email, "phone": "+46701112233", "title": "Rear Admiral"],
            "fields": ["start_date": "2027-03-01", "salary": 52000, "department": "Navy"], "send": send,
        ]
    }

    func json(_ page: Browser.Page) throws -> ContractRequestJSON {
        try JSONDecoder().decode(ContractRequestJSON.self, from: Data(page.body.utf8))
    }

    func problems(_ page: Browser.Page) throws -> [String: String] {
        let body = try JSONDecoder().decode(AppErrorMiddleware.ErrorBody.self, from: Data(page.body.utf8))
        return Dictionary((body.problems ?? []).map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
    }

    func request(_ id: UUID) async throws -> ContractRequestJSON {
        let page = try await send(.GET, "/api/v1/contract-requests/\(id)")
        #expect(page.status == 200, "\(page.body)")
        return try json(page)
    }

    /// The sandbox's contracts of this account.
    func sandboxContracts() async throws -> [Int] {
        try await f.r.oneflow.allContractIDs(f.credentials)
    }
}

extension OneflowClient {
    func allContractIDs(_ credentials: OneflowCredentials) async throws -> [Int] {
        try await contracts(credentials, query: ContractQuery(limit: 100)).data.map(\.id)
    }
}

func withRequestFixture(
    _ overrides: [String: String] = [:], worker: Bool = false, _ body: (RequestFixture) async throws -> Void
) async throws {
    try await withSyncFixture(overrides, worker: worker) { f in try await body(RequestFixture(f: f)) }
}

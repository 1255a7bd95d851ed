import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor

@testable import App

/// A running app with one installation set up against its sandbox, and the tools the sync
/// tests need: make and move contracts, send (or forge) signed notifications, run the worker.
struct SyncFixture {
    let r: RunningApp
    let token: String
    let accountID: Int
    let installation: Installation

    var credentials: OneflowCredentials { OneflowCredentials(token: token) }
    var db: any Database { r.app.db }
    var typeID: Int { installation.templateTypeID ?? 0 }

    static func connect(_ r: RunningApp, name: String = "Acme AB") async throws -> SyncFixture {
        let account = try await r.newAccount(name)
        let installation = try await SetupService(services: r.app.services, db: r.app.db, logger: r.app.logger).connect(token: account.token)
        return SyncFixture(r: r, token: account.token, accountID: account.id, installation: installation)
    }

    /// A draft contract in `templateTypeID` (ours by default) through the sandbox control API.
    func newContract(
        templateTypeID: Int? = nil, name: String = "Jane Doe", email: String = "jane@example.com",
        values: [String: String] = ["employee_number": "10023", "start_date": "2020-01-01", "department": "Support", "salary": "42000 SEK"]
    ) async throws -> Int {
        let page = try await r.control(
            "/contracts",
            json: [
                "token": token, "template_type_id": templateTypeID ?? typeID, "data_fields": values,
                "employee": [
                    "name": name, "email": email, "phone": "+46701234567", "identification_number": "19900101-1234", "title": "Support Engineer",
                ],
            ])
        #expect(page.status == 200, "\(page.body)")
        return try #require((try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])?["id"] as? Int)
    }

    /// Another template group of the account (not ours), through the sandbox control API.
    func otherTemplateGroup(_ name: String = "Sales") async throws -> Int {
        let page = try await r.control("/template_types", json: ["token": token, "name": name])
        #expect(page.status == 200, "\(page.body)")
        return try #require((try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])?["id"] as? Int)
    }

    /// A contract of ours, published and signed in the sandbox.
    func signedContract() async throws -> Int {
        let id = try await newContract()
        try await act("publish", id)
        try await act("sign", id)
        return id
    }

    func act(_ action: String, _ contractID: Int) async throws {
        let page = try await r.control("/contracts/\(contractID)/\(action)")
        #expect(page.status == 200, "\(action): \(page.body)")
    }

    /// Lets the sandbox send what is due now.
    func deliver() async { await r.app.sandbox?.deliverDue() }

    /// Runs the worker until no job is due.
    @discardableResult
    func drain() async -> Int {
        await SyncWorker(db: db, services: r.app.services, logger: r.app.logger).drain()
    }

    /// Sends and processes every notification the sandbox has for what was done so far.
    /// The sandbox also sends in the background: this waits until none of its deliveries is
    /// waiting for a first attempt or in flight, and no new one has come for a moment. (Only a
    /// quiet moment was not enough on a loaded machine: a notification still on its way looked
    /// like none at all.)
    func settle() async throws {
        var seen = -1
        for _ in 0..<100 {
            await deliver()
            await drain()
            let count = try await WebhookDelivery.query(on: db).count()
            if count == seen, try await !sandboxSending() { return }
            seen = count
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// `settle()`, then delivers and drains until `condition` holds (false: not within
    /// `seconds`). On a loaded machine a notification's first attempt may time out, and its
    /// retry comes on the sandbox's schedule, which `settle` does not wait for.
    func settle(within seconds: Double = 60, until condition: () async throws -> Bool) async throws -> Bool {
        try await settle()
        return try await eventually(within: seconds) {
            await deliver()
            await drain()
            return try await condition()
        }
    }

    /// Whether the sandbox has a delivery not yet tried, or being tried now.
    func sandboxSending() async throws -> Bool {
        let page = try await r.browser().get("/sandbox/control/deliveries")
        let deliveries = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [[String: Any]])
        return deliveries.contains { delivery in
            delivery["status"] as? String == "pending"
                && ((delivery["attempts"] as? [Any])?.isEmpty ?? true || delivery["next_attempt_at"] == nil || delivery["next_attempt_at"] is NSNull)
        }
    }

    var signKey: String {
        get throws { try #require(try InstallationSecrets(box: r.app.services.secretBox).signKeys(of: installation, now: Date()).first) }
    }

    /// A notification as Oneflow would send it, signed with `key` (ours by default).
    func notification(contractID: Int, events: [String], callbackID: String = UUID().uuidString, key: String? = nil) throws -> String {
        let signature = WebhookNotification.signature(callbackID: callbackID, signKey: try key ?? signKey)
        let list = events.enumerated().map {
            #"{"created_time":"2026-01-01T10:00:0\#($0.offset)+0000","id":\#(900 + $0.offset),"type":"\#($0.element)"}"#
        }
        return
            #"{"contract":{"id":\#(contractID)},"callback_id":"\#(callbackID)","events":[\#(list.joined(separator: ","))],"signature":"\#(signature)"}"#
    }

    var webhookPath: String { "/webhooks/oneflow/\(installation.webhookKey)" }

    func post(_ body: String, contentType: String = "application/json", path: String? = nil) async throws -> Browser.Page {
        try await r.browser().send(.POST, path ?? webhookPath, body: body, contentType: contentType)
    }

    func employees() async throws -> [Employee] { try await Employee.query(on: db).all() }
    func deliveries() async throws -> [WebhookDelivery] { try await WebhookDelivery.query(on: db).sort(\.$receivedAt).all() }
    func history() async throws -> [ContractHistory] { try await ContractHistory.query(on: db).all() }
    func contractRow(_ oneflowID: Int) async throws -> EmploymentContract? {
        try await EmploymentContract.query(on: db).filter(\.$oneflowContractID == oneflowID).first()
    }
}

func withSyncFixture(
    _ overrides: [String: String] = [:], worker: Bool = false, clock: any AppClock = SystemClock(),
    _ body: (SyncFixture) async throws -> Void
) async throws {
    try await withRunningApp(overrides.merging(["API_KEYS": testAPIKey]) { _, new in new }, worker: worker, clock: clock) { r in
        try await body(try await SyncFixture.connect(r))
    }
}

/// Waits for a background effect (worker, sandbox deliveries); generous, not a timing check.
func eventually(within seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
}

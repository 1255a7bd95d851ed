import Fluent
import Foundation
import Testing

@testable import App

/// `oneflow.user_email` names the user HR Bridge acts as (`x-oneflow-user-email`). Oneflow
/// answers 401 when that user is not active in the account, as it does for a revoked token:
/// only the token's 401 disconnects (`UnauthorizedCause`).
@Suite("The user HR Bridge acts as")
struct OneflowUserEmailTests {
    static let sender = "sender@acme.example"

    /// An installation set up acting as `sender`, a user added to the new account first.
    func senderFixture(_ r: RunningApp) async throws -> SyncFixture {
        let account = try await r.newAccount("Acme AB")
        _ = try await r.control("/users", json: ["token": account.token, "email": Self.sender, "name": "Sender", "admin": true])
        let installation = try await SetupService(services: r.app.services, db: r.app.db, logger: r.app.logger).connect(token: account.token)
        return SyncFixture(r: r, token: account.token, accountID: account.id, installation: installation)
    }

    @Test("a sync acting as a user deactivated in Oneflow fails and is retried, saying what to fix; the installation stays connected")
    func syncKeepsInstallation() async throws {
        try await withRunningApp(["ONEFLOW_USER_EMAIL": Self.sender, "API_KEYS": testAPIKey]) { r in
            // Given an installation acting as the sender, its contract synced, then the sender deactivated in Oneflow
            let f = try await senderFixture(r)
            let id = try await f.signedContract()
            try await f.settle()
            _ = try await r.control("/users/active", json: ["token": f.token, "email": Self.sender, "active": false])

            // When another notification of the contract is synced
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: "as-sender"))
            let worker = SyncWorker(db: f.db, services: r.app.services, logger: r.app.logger)
            var delivery = try #require(try await f.deliveries().first { $0.callbackID == "as-sender" })
            while try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .pending { #expect(await worker.runOnce(now: Date())) }

            // Then it failed with the reason, to be tried again, and the installation is still active
            delivery = try #require(try await WebhookDelivery.find(delivery.id, on: f.db))
            #expect(delivery.status == .failed)
            #expect(delivery.outcomeReason?.contains("oneflow.user_email") == true)
            #expect(try await Installation.find(f.installation.id, on: f.db)?.status == .active)

            // And once the user is active again, the retry goes through
            _ = try await r.control("/users/active", json: ["token": f.token, "email": Self.sender, "active": true])
            while await worker.runOnce(now: Date().addingTimeInterval(3600)) {}
            #expect(try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .processed)
        }
    }

    @Test("a setup acting as a user the account does not have says so, and stores nothing")
    func setupSaysSo() async throws {
        try await withRunningApp(["ONEFLOW_USER_EMAIL": "nobody@acme.example"]) { r in
            let account = try await r.newAccount("Acme AB")
            let (_, page) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(page.status == 502)
            #expect(page.body.contains("HR Bridge is not set up to act in your account yet") && page.body.contains("oneflow.user_email"))
            #expect(try await Installation.query(on: r.app.db).count() == 0)
        }
    }
}

import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// Rotation, disconnect and revoked tokens, driven through the services.
@Suite("Installation lifecycle")
struct SetupLifecycleTests {
    func setUp(_ r: RunningApp) async throws -> (Installation, String, Int) {
        let account = try await r.newAccount()
        let installation = try await SetupService(services: r.app.services, db: r.app.db, logger: r.app.logger).connect(token: account.token)
        return (installation, account.token, account.id)
    }

    @Test("rotating the sign key updates the webhook and keeps the previous key valid for the grace period")
    func rotation() async throws {
        try await withRunningApp(["SETUP_SIGN_KEY_GRACE_SECONDS": "3600"]) { r in
            let (installation, token, _) = try await setUp(r)
            let secrets = InstallationSecrets(box: r.app.services.secretBox)
            let old = try #require(try secrets.signKeys(of: installation, now: Date()).first)
            let rotated = try await SetupService(services: r.app.services, db: r.app.db, logger: r.app.logger).connect(
                token: token, rotateSignKey: true)
            let keys = try secrets.signKeys(of: rotated, now: Date())
            #expect(keys.count == 2)
            #expect(keys[1] == old)
            #expect(keys[0] != old)
            let hook = try await r.oneflow.webhook(OneflowCredentials(token: token), id: try #require(rotated.webhookID))
            #expect(hook.signKey == keys[0])
            // After the grace period only the new key counts.
            #expect(try secrets.signKeys(of: rotated, now: Date().addingTimeInterval(3601)) == [keys[0]])
        }
    }

    @Test("disconnect deletes our webhook, wipes token and sign keys, and keeps the HR records; setup reconnects")
    func disconnect() async throws {
        try await withRunningApp { r in
            let (installation, token, _) = try await setUp(r)
            let employee = Employee(installationID: try installation.requireID())
            employee.name = "Jane Doe"
            try await employee.save(on: r.app.db)

            try await DisconnectService(services: r.app.services, db: r.app.db, logger: r.app.logger).disconnect(installation, now: Date())
            let stored = try #require(try await Installation.find(installation.id, on: r.app.db))
            #expect(stored.status == .disconnected)
            #expect(stored.disconnectedAt != nil)
            #expect(stored.tokenSealed == nil && stored.signKeySealed == nil && stored.previousSignKeySealed == nil)
            #expect(stored.webhookID == nil)
            #expect(try await r.oneflow.webhooks(OneflowCredentials(token: token)).isEmpty)
            #expect(try await Employee.query(on: r.app.db).count() == 1)

            let again = try await SetupService(services: r.app.services, db: r.app.db, logger: r.app.logger).connect(token: token)
            #expect(again.id == installation.id)
            #expect(again.status == .active)
            #expect(try await r.oneflow.webhooks(OneflowCredentials(token: token)).count == 1)
        }
    }

    @Test("disconnect while Oneflow is down changes nothing, unless forced")
    func disconnectOutage() async throws {
        try await withRunningApp { r in
            let (installation, _, _) = try await setUp(r)
            let service = DisconnectService(services: r.app.services, db: r.app.db, logger: r.app.logger)
            _ = try await r.control("/faults", json: ["method": "DELETE", "path": "/webhooks", "status": 503, "count": 5])
            await #expect(throws: DisconnectService.Failure.self) { try await service.disconnect(installation, now: Date()) }
            #expect(try await Installation.find(installation.id, on: r.app.db)?.status == .active)
            try await service.disconnect(installation, force: true, now: Date())
            #expect(try await Installation.find(installation.id, on: r.app.db)?.status == .disconnected)
        }
    }

    @Test("a 401 from Oneflow on a later call marks the installation disconnected")
    func revokedToken() async throws {
        try await withRunningApp { r in
            let (installation, token, accountID) = try await setUp(r)
            _ = try await r.control("/accounts/\(accountID)/revoke")
            let caller = InstallationCaller(
                writer: r.app.services.storage.writer(on: r.app.db), logger: r.app.logger, clock: SystemClock(), oneflow: r.oneflow)
            let credentials = OneflowCredentials(token: token)
            await #expect(throws: OneflowError.self) {
                try await caller.call(installation, credentials) { try await r.oneflow.ping(credentials) }
            }
            let stored = try #require(try await Installation.find(installation.id, on: r.app.db))
            #expect(stored.status == .disconnected)
            #expect(stored.lastError?.contains("401") == true)
        }
    }

    @Test(
        "a 401 for the user HR Bridge acts as (deactivated in Oneflow) is not a revoked token: the installation stays connected; a revoked token then disconnects it"
    )
    func userEmailRefused() async throws {
        try await withRunningApp { r in
            // Given an installation, and a user of its account who is then deactivated in Oneflow
            let (installation, token, accountID) = try await setUp(r)
            _ = try await r.control("/users", json: ["token": token, "email": "sender@acme.example", "name": "Sender"])
            _ = try await r.control("/users/active", json: ["token": token, "email": "sender@acme.example", "active": false])
            let caller = InstallationCaller(
                writer: r.app.services.storage.writer(on: r.app.db), logger: r.app.logger, clock: SystemClock(), oneflow: r.oneflow)
            let asSender = OneflowCredentials(token: token, userEmail: "sender@acme.example")

            // When a call acting as that user is answered 401
            await #expect(throws: OneflowError.self) { try await caller.call(installation, asSender) { try await r.oneflow.ping(asSender) } }

            // Then it is the user, not the token: the installation stays active
            #expect(await UnauthorizedCause.of(asSender, oneflow: r.oneflow) == .userEmail)
            #expect(try await Installation.find(installation.id, on: r.app.db)?.status == .active)

            // And once the token is revoked the same 401 disconnects it
            _ = try await r.control("/accounts/\(accountID)/revoke")
            #expect(await UnauthorizedCause.of(asSender, oneflow: r.oneflow) == .token)
            await #expect(throws: OneflowError.self) { try await caller.call(installation, asSender) { try await r.oneflow.ping(asSender) } }
            #expect(try await Installation.find(installation.id, on: r.app.db)?.status == .disconnected)
        }
    }

    @Test("the complete data-field set keeps foreign fields and updates ours", arguments: [true, false])
    func plan(withForeign: Bool) {
        let configured = [AppConfig.DataFieldSpec(customID: "a", name: "A new", description: "d", placeholder: "p")]
        var existing = [DataField(id: 1, customID: "a", name: "A old", value: "kept value")]
        if withForeign {
            existing += [DataField(id: 2, customID: "theirs", name: "Theirs", value: "v"), DataField(id: 3, customID: nil, name: "No id")]
        }
        let plan = DataFieldPlan.complete(configured: configured, existing: existing)
        #expect(plan.first == DataFieldInput(id: 1, customID: "a", name: "A new", description: "d", placeholder: "p", value: "kept value"))
        #expect(plan.count == existing.count)
        if withForeign { #expect(plan.contains { $0.id == 3 && $0.customID == nil }) }
        #expect(!DataFieldPlan.isSatisfied(plan, by: existing))
        let applied = plan.map {
            DataField(id: $0.id, customID: $0.customID, name: $0.name, description: $0.description, placeholder: $0.placeholder, value: $0.value)
        }
        #expect(DataFieldPlan.isSatisfied(plan, by: applied))
    }
}

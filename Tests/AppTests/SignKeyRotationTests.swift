import Fluent
import Foundation
import OneflowAPI
import Synchronization
import Testing
import Vapor

@testable import App

/// The webhook sign key rotates: on a setup with a new token, from the admin page and from
/// `hrbridge rotate-sign-key`; the previous key stays valid for the grace period.
@Suite("Sign-key rotation")
struct SignKeyRotationTests {
    static let grace = ["SETUP_SIGN_KEY_GRACE_SECONDS": "3600"]

    /// The sign key our webhook in the sandbox carries now.
    func registeredKey(_ f: SyncFixture, token: String? = nil) async throws -> String {
        let installation = try #require(try await Installation.find(f.installation.id, on: f.db))
        let webhook = try await f.r.oneflow.webhook(OneflowCredentials(token: token ?? f.token), id: try #require(installation.webhookID))
        return try #require(webhook.signKey)
    }

    func storedKeys(_ f: SyncFixture) async throws -> [String] {
        let installation = try #require(try await Installation.find(f.installation.id, on: f.db))
        return try InstallationSecrets(box: f.r.app.services.secretBox).signKeys(of: installation, now: Date())
    }

    @Test("a setup with a new token for the same account rotates the key; both keys are accepted at once")
    func newToken() async throws {
        try await withSyncFixture(Self.grace) { f in
            // given: an installation whose keys the ack path has already cached
            let old = try f.signKey
            #expect(try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], key: old)).status == 200)
            // when: the extension is enabled again in the Marketplace (a new token) and set up
            let enable = try await f.r.browser().post("/sandbox/marketplace/enable", form: ["account": "\(f.accountID)"])
            let location = try #require(enable.location.flatMap(URLComponents.init(string:)))
            let token = try #require(location.queryItems?.first { $0.name == "token" }?.value)
            #expect(token != f.token)
            _ = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).connect(token: token)
            // then: the webhook carries a new key, the old one is still valid
            let new = try await registeredKey(f, token: token)
            #expect(new != old)
            #expect(try await storedKeys(f) == [new, old])
            // Straight away: this process's cache of the keys was dropped by the rotation.
            #expect(try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], key: new)).status == 200)
            #expect(try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], key: old)).status == 200)
        }
    }

    @Test("a setup with a new token that stops before the webhook is updated registers the new key on its next attempt")
    func newTokenInterrupted() async throws {
        try await withSyncFixture(Self.grace) { f in
            let old = try f.signKey
            let enable = try await f.r.browser().post("/sandbox/marketplace/enable", form: ["account": "\(f.accountID)"])
            let token = try #require(enable.location.flatMap(URLComponents.init(string:))?.queryItems?.first { $0.name == "token" }?.value)
            let setup = SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger)
            _ = try await f.r.control("/faults", json: ["method": "PUT", "path": "/webhooks", "status": 503, "count": 10])
            await #expect(throws: SetupError.oneflowUnavailable) { _ = try await setup.connect(token: token) }
            #expect(try await registeredKey(f, token: token) == old)
            _ = try await f.r.browser().send(.DELETE, "/sandbox/control/faults")
            // The customer tries again with the same (new) token.
            _ = try await setup.connect(token: token)
            let new = try await registeredKey(f, token: token)
            #expect(new != old)
            #expect(try await storedKeys(f) == [new, old])
        }
    }

    @Test("a setup with the same token keeps the key")
    func sameToken() async throws {
        try await withSyncFixture(Self.grace) { f in
            let old = try f.signKey
            _ = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).connect(token: f.token)
            #expect(try await storedKeys(f) == [old])
            #expect(try await registeredKey(f) == old)
        }
    }

    @Test("admin: 'Rotate sign key' gives the webhook a new key and says so")
    func adminButton() async throws {
        try await withSyncFixture(Self.grace) { f in
            let old = try f.signKey
            let admin = f.r.browser()
            let login = try await admin.get("/admin/login")
            _ = try await admin.post("/admin/login", form: ["password": "test-admin-password", "csrf_token": try #require(login.csrfToken)])
            let page = try await admin.get("/admin/installations")
            #expect(page.body.contains("Rotate sign key"))
            let path = "/admin/installations/\(try f.installation.requireID())/rotate-sign-key"
            #expect(try await admin.post(path, form: [:]).status == 403)
            #expect(try await registeredKey(f) == old)

            let done = try await admin.post(path, form: ["csrf_token": try #require(page.csrfToken)])
            #expect(done.status == 303)
            #expect(try await admin.follow(done).body.contains("Acme AB has a new webhook sign key"))
            let new = try await registeredKey(f)
            #expect(new != old)
            #expect(try await storedKeys(f) == [new, old])
            #expect(try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], key: new)).status == 200)
        }
    }

    @Test("`hrbridge rotate-sign-key <Oneflow account id>` rotates and prints no key")
    func command() async throws {
        try await withSyncFixture(Self.grace) { f in
            let old = try f.signKey
            let command = try #require(f.r.app.asyncCommands.commands["rotate-sign-key"])
            let console = CapturingConsole()
            var context = CommandContext(console: console, input: CommandInput(arguments: ["hrbridge", "\(f.accountID)"]))
            context.application = f.r.app
            try await command.run(using: &context)

            let new = try await registeredKey(f)
            #expect(new != old)
            #expect(try await storedKeys(f) == [new, old])
            #expect(console.text.contains("Rotated the webhook sign key of Acme AB"))
            #expect(!console.text.contains(new) && !console.text.contains(old))
        }
    }
}

/// A console that keeps what a command prints.
final class CapturingConsole: Console {
    private let state = Mutex<(text: String, userInfo: [AnySendableHashable: any Sendable])>(("", [:]))

    var text: String { state.withLock { $0.text } }
    var size: (width: Int, height: Int) { (80, 24) }
    var userInfo: [AnySendableHashable: any Sendable] {
        get { state.withLock { $0.userInfo } }
        set { state.withLock { $0.userInfo = newValue } }
    }

    func input(isSecure: Bool) -> String { "" }
    func output(_ text: ConsoleText, newLine: Bool) { state.withLock { $0.text += text.description + (newLine ? "\n" : "") } }
    func report(error: String, newLine: Bool) { state.withLock { $0.text += error + (newLine ? "\n" : "") } }
    func clear(_ type: ConsoleClear) {}
}

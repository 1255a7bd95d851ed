import ConsoleKit
import Fluent
import Foundation
import Testing

@testable import App

/// Who did what to each customer's set-up (`AuditLog`), on the admin page.
@Suite("Audit trail")
struct AuditTrailTests {
    @Test("an admin's keys, rotation and replay are recorded with the session, never a key; the page filters by installation")
    func adminActions() async throws {
        try await withSyncFixture { f in
            // Given a delivery to replay and a second installation
            let contract = try await f.newContract()
            _ = try await f.post(try f.notification(contractID: contract, events: ["contract:publish"], callbackID: "audited"))
            await f.drain()
            let delivery = try #require(try await f.deliveries().first { $0.callbackID == "audited" })
            let other = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger)
                .connect(token: try await f.r.newAccount("Beta Oy").token)
            let admin = try await AdminTests().signIn(f)
            let id = try f.installation.requireID()

            // When the admin makes and revokes a key, rotates the sign key and replays a delivery
            let page = try await admin.get("/admin/installations/\(id)")
            let csrf = try #require(page.csrfToken)
            let made = try await admin.post("/admin/installations/\(id)/api-keys", form: ["name": "payroll", "csrf_token": csrf])
            let secret = try #require(made.body.firstMatch(of: /hrb_[A-Za-z0-9_-]{43}/).map { String($0.output) })
            let key = try #require(try await APIKey.query(on: f.db).first())
            _ = try await admin.post("/admin/installations/\(id)/api-keys/\(try key.requireID())/revoke", form: ["csrf_token": csrf])
            _ = try await admin.post("/admin/installations/\(id)/rotate-sign-key", form: ["csrf_token": csrf])
            _ = try await admin.post("/admin/activity/\(try delivery.requireID())/replay", form: ["csrf_token": csrf])
            await AuditLog(writer: f.r.app.services.storage.writer(on: f.db), clock: f.r.app.services.clock, logger: f.r.app.logger)
                .record(.disconnected, by: .commandLine, installation: other.id)

            // Then each is on the trail, by this admin's session, for this installation
            let events = try await AuditEvent.query(on: f.db).filter(\.$installationID == id).sort(\.$at).all()
            #expect(events.map(\.action) == ["api_key.created", "api_key.revoked", "installation.sign_key_rotated", "delivery.replayed"])
            #expect(events.allSatisfy { $0.actor.hasPrefix("admin (session ") && $0.actor != "admin (session none)" })
            #expect(Set(events.map(\.actor)).count == 1)
            #expect(events.first?.subject == key.id?.uuidString && events.first?.detail == "name \"payroll\"")
            // And no key, token or personal data is in it
            for event in try await AuditEvent.query(on: f.db).all() {
                #expect(![event.actor, event.action, event.subject ?? "", event.detail].joined().contains(secret))
                #expect(![event.detail, event.subject ?? ""].joined().contains("@"))
            }

            // And the page lists them, filtered by installation
            let all = try await admin.get("/admin/audit")
            #expect(all.status == 200 && all.body.contains("API key made") && all.body.contains("title=\"installation.disconnected\""))
            let mine = try await admin.get("/admin/audit?installation=\(id)")
            #expect(mine.body.contains("Delivery replayed") && !mine.body.contains("installation.disconnected"))
        }
    }

    @Test("the command line's keys are recorded as the command line's")
    func commandLine() async throws {
        try await withSyncFixture { f in
            var context = CommandContext(
                console: Terminal(),
                input: CommandInput(arguments: ["hrbridge", "create", "--installation", try f.installation.requireID().uuidString, "--name", "ci"]))
            context.application = f.r.app
            try await APIKeyCommand().run(using: &context)
            let event = try #require(try await AuditEvent.query(on: f.db).first())
            #expect(event.actor == "command line" && event.action == "api_key.created" && event.installationID == f.installation.id)
        }
    }
}

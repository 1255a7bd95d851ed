import Fluent
import Foundation
import Testing
import Vapor

@testable import App

/// A disconnected customer's records: erased `retention.disconnected_days` after the
/// disconnect, unless it sets up again or an admin keeps them.
@Suite("Offboarding a customer")
struct OffboardingTests {
    static let day: TimeInterval = 86400

    /// Given: an installation with a signed employee and its deliveries, disconnected now.
    func disconnected(_ f: SyncFixture) async throws -> Installation {
        let contract = try await f.signedContract()
        _ = try await f.post(try f.notification(contractID: contract, events: ["contract:sign"]))
        try await f.settle()
        #expect(try await f.employees().count == 1)
        let installation = try #require(try await Installation.find(f.installation.id, on: f.db))
        try await DisconnectService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).disconnect(
            installation, now: f.r.app.services.clock.now)
        return installation
    }

    func eraseDue(_ f: SyncFixture) async throws -> Int {
        try await InstallationErasure(services: f.r.app.services, db: f.db, writer: f.r.app.services.storage.writer(on: f.db), logger: f.r.app.logger)
            .eraseDue(now: f.r.app.services.clock.now)
    }

    @Test("erased 30 days after the disconnect and not before: employees, contracts, PDFs, deliveries; the row stays, marked")
    func erasedOnDate() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            let installation = try await disconnected(f)
            let date = try #require(InstallationErasure.erasureDate(of: installation, settings: f.r.app.services.config.retention))
            #expect(abs(date.timeIntervalSince(clock.now) - 30 * Self.day) < 1)

            clock.advance(by: 29.9 * Self.day)
            #expect(try await eraseDue(f) == 0)
            #expect(try await f.employees().count == 1)

            clock.advance(by: 0.2 * Self.day)
            #expect(try await eraseDue(f) == 1)

            #expect(try await f.employees().isEmpty)
            #expect(try await EmploymentContract.query(on: f.db).count() == 0)
            #expect(try await Document.query(on: f.db).count() == 0)
            #expect(try await WebhookDelivery.query(on: f.db).count() == 0)
            let after = try #require(try await Installation.find(installation.id, on: f.db))
            #expect(after.dataErasedAt != nil)
            #expect(InstallationErasure.erasureDate(of: after, settings: f.r.app.services.config.retention) == nil)
            #expect(try await AuditEvent.query(on: f.db).filter(\.$action == "installation.data_erased").count() == 1)
            // Nothing twice.
            clock.advance(by: Self.day)
            #expect(try await eraseDue(f) == 0)
        }
    }

    @Test("setting up again before the date cancels the erasure; an admin's Keep keeps the records")
    func cancelled() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            _ = try await disconnected(f)
            _ = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).connect(token: f.token)
            let reconnected = try #require(try await Installation.find(f.installation.id, on: f.db))
            #expect(reconnected.status == .active)
            #expect(InstallationErasure.erasureDate(of: reconnected, settings: f.r.app.services.config.retention) == nil)
            clock.advance(by: 31 * Self.day)
            #expect(try await eraseDue(f) == 0)
            #expect(try await f.employees().count == 1)

            // Disconnected again, kept by an admin on its page.
            try await DisconnectService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).disconnect(reconnected, now: clock.now)
            let browser = try await AdminTests().signIn(f)
            let page = try await browser.get("/admin/installations/\(reconnected.id!)")
            #expect(page.body.contains("are erased on"))
            let kept = try await browser.post("/admin/installations/\(reconnected.id!)/keep-data", form: ["csrf_token": try #require(page.csrfToken)])
            #expect(kept.status == 303)
            #expect(try await browser.get("/admin/installations/\(reconnected.id!)").body.contains("Kept by an admin"))
            clock.advance(by: 31 * Self.day)
            #expect(try await eraseDue(f) == 0)
            #expect(try await f.employees().count == 1)
        }
    }

    @Test("the admin's Erase now erases at once; a connected installation's records cannot be erased this way")
    func eraseNow() async throws {
        try await withSyncFixture { f in
            let browser = try await AdminTests().signIn(f)
            let connectedPage = try await browser.get("/admin/installations/\(f.installation.id!)")
            let refused = try await browser.post(
                "/admin/installations/\(f.installation.id!)/erase-data", form: ["csrf_token": try #require(connectedPage.csrfToken)])
            #expect(refused.status == 409)

            let installation = try await disconnected(f)
            let page = try await browser.get("/admin/installations/\(installation.id!)")
            let erased = try await browser.post(
                "/admin/installations/\(installation.id!)/erase-data", form: ["csrf_token": try #require(page.csrfToken)])
            #expect(erased.status == 303)
            #expect(try await f.employees().isEmpty)
            let after = try await browser.get("/admin/installations/\(installation.id!)")
            #expect(after.body.contains("Erased"))
        }
    }

    @Test("an erasure whose customer came back (or was kept) meanwhile stops, and touches nothing")
    func stopsWhenBack() async throws {
        try await withSyncFixture { f in
            let stale = try await disconnected(f)
            // The customer sets up again while the retention job holds the old row.
            _ = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).connect(token: f.token)
            let erasure = InstallationErasure(
                services: f.r.app.services, db: f.db, writer: f.r.app.services.storage.writer(on: f.db), logger: f.r.app.logger)

            await #expect(throws: InstallationErasure.Stopped.self) { _ = try await erasure.erase(stale, by: .retention, now: Date()) }

            #expect(try await f.employees().count == 1)
            #expect(try await Installation.find(stale.id, on: f.db)?.dataErasedAt == nil)
        }
    }
}

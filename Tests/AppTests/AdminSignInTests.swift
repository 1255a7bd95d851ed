import Fluent
import Foundation
import NIOCore
import Testing
import Vapor

@testable import App

/// The admin door: throttled guessing, sessions that end on the server, no session row for
/// an anonymous page view, one-shot notices from the session.
@Suite("Admin sign-in and sessions")
struct AdminSignInTests {
    static let password = "test-admin-password"

    func sessionRows(_ app: Application) async throws -> [BrowserSession] {
        try await BrowserSession.query(on: app.db).all()
    }

    func signIn(_ browser: Browser) async throws -> Browser.Page {
        let form = try await browser.get("/admin/login")
        return try await browser.post("/admin/login", form: ["password": Self.password, "csrf_token": try #require(form.csrfToken)])
    }

    @Test("throttle: past 5 failures a client is locked for 1 s, then 2 s …; overall past 50 for failing clients; a success resets the client")
    func throttlePolicy() {
        // Given a throttle and a fixed clock
        let throttle = LoginThrottle()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        // When a client fails five times, then it may still try
        for _ in 0..<5 { throttle.failed(client: "a", now: t0) }
        #expect(throttle.retryAfter(client: "a", now: t0) == nil)
        // When it fails a sixth and seventh time, then it waits 1 s, then 2 s
        throttle.failed(client: "a", now: t0)
        #expect(throttle.retryAfter(client: "a", now: t0) == 1)
        throttle.failed(client: "a", now: t0.addingTimeInterval(1))
        #expect(throttle.retryAfter(client: "a", now: t0.addingTimeInterval(1)) == 2)
        // and another client is not held back by it
        #expect(throttle.retryAfter(client: "b", now: t0) == nil)
        // When the client signs in, then its count starts over
        throttle.succeeded(client: "a")
        #expect(throttle.retryAfter(client: "a", now: t0.addingTimeInterval(1)) == nil)
        // When failures come from many addresses, then past 50 each of them waits after its
        // first failure, while a client that never failed (the admin) is not held back
        let sprayed = LoginThrottle()
        for i in 0..<51 { sprayed.failed(client: "10.0.\(i / 250).\(i % 250)", now: t0) }
        #expect(sprayed.retryAfter(client: "10.0.0.7", now: t0) == 1)
        #expect(sprayed.retryAfter(client: "192.0.2.1", now: t0) == nil)
        // Waiting out a lockout does not buy fresh free guesses
        let patient = LoginThrottle()
        for _ in 0..<6 { patient.failed(client: "e", now: t0) }
        patient.failed(client: "e", now: t0.addingTimeInterval(16 * 60))
        #expect(patient.retryAfter(client: "e", now: t0.addingTimeInterval(16 * 60)) == 2)
        // An IPv6 client is one client across its /64; ::ffff:a.b.c.d is its IPv4 address
        #expect(LoginThrottle.key("2001:db8:1:2:aaaa::1") == LoginThrottle.key("2001:db8:1:2:bbbb::9"))
        #expect(LoginThrottle.key("2001:db8:1:2::1") != LoginThrottle.key("2001:db8:1:3::1"))
        #expect(LoginThrottle.key("::ffff:192.0.2.4") == "192.0.2.4")
        // The lockout never exceeds 15 minutes
        let persistent = LoginThrottle()
        for _ in 0..<40 { persistent.failed(client: "d", now: t0) }
        #expect(persistent.retryAfter(client: "d", now: t0) == 900)
    }

    @Test("X-Forwarded-For names the client only when a configured proxy sent it")
    func clientAddress() async throws {
        try await withTestApp { app in
            func request(from peer: String, forwarded: String?) throws -> Request {
                var headers = HTTPHeaders()
                if let forwarded { headers.add(name: .xForwardedFor, value: forwarded) }
                return Request(
                    application: app, headers: headers, remoteAddress: try SocketAddress(ipAddress: peer, port: 40000),
                    on: app.eventLoopGroup.next())
            }
            let proxies: Set = ["10.0.0.1"]
            let viaProxy = try request(from: "10.0.0.1", forwarded: "203.0.113.9")
            let spoofedViaProxy = try request(from: "10.0.0.1", forwarded: "1.1.1.1, 203.0.113.9")
            let direct = try request(from: "198.51.100.7", forwarded: "203.0.113.9")
            let plain = try request(from: "198.51.100.7", forwarded: nil)
            #expect(ClientAddress.of(viaProxy, trustedProxies: proxies) == "203.0.113.9")
            // A client cannot hide behind an address it wrote itself in front of the real one.
            #expect(ClientAddress.of(spoofedViaProxy, trustedProxies: proxies) == "203.0.113.9")
            #expect(ClientAddress.of(direct, trustedProxies: proxies) == "198.51.100.7")
            #expect(ClientAddress.of(plain, trustedProxies: []) == "198.51.100.7")
        }
    }

    @Test("guessing: the seventh try is 429 with Retry-After even with the right password; failures are logged with the address")
    func guessing() async throws {
        let logs = LogStore()
        let clock = ManualClock()
        try await withRunningApp(logs: logs, clock: clock) { r in
            // Given a browser with the sign-in form
            let browser = r.browser()
            let csrf = try #require(try await browser.get("/admin/login").csrfToken)
            // When it guesses six times
            for _ in 0..<6 {
                #expect(try await browser.post("/admin/login", form: ["password": "guess-guess-guess", "csrf_token": csrf]).status == 401)
            }
            // Then the next try is refused unread, right password or not
            let locked = try await browser.send(
                .POST, "/admin/login", body: "password=\(Self.password)&csrf_token=\(csrf)",
                contentType: "application/x-www-form-urlencoded")
            #expect(locked.status == 429)
            #expect(locked.body.contains("Too many failed sign-ins"))
            #expect(try await browser.get("/admin").status == 303)
            // And after the wait, the right password works
            clock.advance(by: 1.1)
            #expect(try await browser.post("/admin/login", form: ["password": Self.password, "csrf_token": csrf]).status == 303)
            #expect(try await browser.get("/admin").status == 200)
        }
        #expect(logs.all.contains { $0.contains("admin sign-in failed from 127.0.0.1: wrong password") })
        #expect(logs.all.contains { $0.contains("admin sign-in failed from 127.0.0.1: too many attempts") })
        #expect(!logs.all.contains { $0.contains("guess-guess-guess") || $0.contains(Self.password) })
    }

    @Test("an anonymous page view stores no session; its form works with the CSRF cookie; sign-in rotates the session id")
    func sessionRotation() async throws {
        try await withRunningApp { r in
            // Given anonymous visits to the sign-in page and the setup form
            let browser = r.browser()
            _ = try await browser.get("/admin/login")
            _ = try await browser.get("/setup")
            _ = try await browser.get("/admin")
            #expect(try await sessionRows(r.app).isEmpty)
            #expect(browser.cookie("hrbridge_csrf") != nil)
            // and a session id an attacker planted
            browser.setCookie("hrbridge_session", "planted-id")
            // When the admin signs in
            let done = try await signIn(browser)
            #expect(done.status == 303)
            // Then the session is a new, stored one, and the planted id is nobody's
            let id = try #require(browser.cookie("hrbridge_session"))
            #expect(id != "planted-id")
            #expect(try await sessionRows(r.app).map(\.key) == [BrowserSessions.key(SessionID(string: id))])
            #expect(try await browser.get("/admin").status == 200)
            let attacker = r.browser()
            attacker.setCookie("hrbridge_session", "planted-id")
            #expect(try await attacker.get("/admin").status == 303)

            // Given a stored session an attacker made (a setup hand-over) and planted in a browser
            let planter = r.browser()
            let account = try await r.newAccount("Planted AB")
            _ = try await planter.get("/setup?token=\(account.token)")
            let plantedID = try #require(planter.cookie("hrbridge_session"))
            let victim = r.browser()
            victim.setCookie("hrbridge_session", plantedID)
            // When the victim signs in, then the session is not the planted one, and the planted id opens nothing
            #expect(try await signIn(victim).status == 303)
            #expect(victim.cookie("hrbridge_session") != plantedID)
            #expect(try await victim.get("/admin").status == 200)
            #expect(try await planter.get("/admin").status == 303)

            // When a signed-in browser signs in again, then its old id stops working
            let second = try await signIn(browser)
            #expect(second.status == 303)
            let newID = try #require(browser.cookie("hrbridge_session"))
            #expect(newID != id)
            let old = r.browser()
            old.setCookie("hrbridge_session", id)
            #expect(try await old.get("/admin").status == 303)
        }
    }

    @Test("the server ends a session 30 minutes after its last request and 8 hours after sign-in, and purges expired rows")
    func lifetime() async throws {
        try await withRunningApp { r in
            let browser = r.browser()
            #expect(try await signIn(browser).status == 303)
            let row = try #require(try await sessionRows(r.app).first)

            // Given a session idle for 31 minutes, when it is used, then it is gone
            row.lastSeenAt = Date().addingTimeInterval(-31 * 60)
            try await row.save(on: r.app.db)
            #expect(try await browser.get("/admin").status == 303)
            #expect(try await sessionRows(r.app).isEmpty)

            // Given a session in use all along but signed in 8 h ago, then it is gone too
            #expect(try await signIn(browser).status == 303)
            let busy = try #require(try await sessionRows(r.app).first)
            busy.createdAt = Date().addingTimeInterval(-8 * 3600 - 1)
            try await busy.save(on: r.app.db)
            #expect(try await browser.get("/admin").status == 303)

            // Given expired rows nobody comes back for, when they are purged, then only live ones stay
            let now = Date()
            try await BrowserSession(key: "idle", data: "{}", at: now.addingTimeInterval(-3600)).create(on: r.app.db)
            try await BrowserSession(key: "live", data: "{}", at: now).create(on: r.app.db)
            try await BrowserSessions(clock: SystemClock(), storage: r.app.services.storage).purgeExpired(r.app.db, at: now)
            #expect(try await sessionRows(r.app).map(\.key) == ["live"])
        }
    }

    @Test("on https the cookies are Secure and __Host- prefixed")
    func hostPrefix() async throws {
        try await withTestApp(["PUBLIC_BASE_URL": "https://hr.example.com", "SANDBOX_ENABLED": "true"]) { app in
            try await app.testing().test(.GET, "/admin/login") { res in
                let cookie = try #require(res.headers[.setCookie].first)
                #expect(cookie.hasPrefix("__Host-hrbridge_csrf="))
                #expect(cookie.contains("Secure"))
                #expect(cookie.contains("Path=/"))
            }
            // A stored session (a setup hand-over) gets the session cookie, prefixed the same way
            try await app.testing().test(.GET, "/setup?token=\(String(repeating: "a", count: 40))") { res in
                let cookie = try #require(res.headers[.setCookie].first { $0.hasPrefix("__Host-hrbridge_session=") })
                #expect(cookie.contains("Secure") && cookie.contains("Path=/") && cookie.contains("HttpOnly"))
                #expect(!cookie.contains("Domain"))
            }
        }
    }

    @Test("a notice comes from the session, once; ?message= in the address is not shown")
    func flash() async throws {
        try await withSyncFixture { f in
            let admin = f.r.browser()
            #expect(try await signIn(admin).status == 303)
            #expect(!(try await admin.get("/admin/installations?message=Call%20us%20at%20555").body.contains("Call us")))
            let page = try await admin.get("/admin/installations")
            let id = try #require(f.installation.id)
            let done = try await admin.post("/admin/installations/\(id)/reprovision", form: ["csrf_token": try #require(page.csrfToken)])
            #expect(done.location == "/admin/installations")
            #expect(try await admin.get("/admin/installations").body.contains("is provisioned again"))
            #expect(!(try await admin.get("/admin/installations").body.contains("is provisioned again")))
        }
    }
}

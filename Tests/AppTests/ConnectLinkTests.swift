import Fluent
import Foundation
import Testing

@testable import App

/// `setup.accept = link`: the HR system asks for a one-time connection link for one of its
/// customers; the customer's admin opens it, then enables the extension, and the setup binds
/// the installation to the customer's reference (`ConnectLink`).
@Suite("Connection links")
struct ConnectLinkTests {
    let settings = ["SETUP_ACCEPT": "link", "API_KEYS": testAPIKey, "ADMIN_PASSWORD": AdminTests.password]

    /// Asks the API for a link. - Returns: the answer and its JSON.
    func askForLink(_ r: RunningApp, reference: String, key: String = testAPIKey) async throws -> (Browser.Page, [String: Any]) {
        let page = try await r.browser().send(
            .POST, "/api/v1/connect-links", body: #"{"customer_reference": "\#(reference)"}"#, contentType: "application/json",
            headers: ["authorization": "Bearer \(key)"])
        let json = (try? JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any]) ?? [:]
        return (page, json)
    }

    /// Opens the link's URL in `browser` (its path: the test app's base URL differs).
    func open(_ json: [String: Any], in browser: Browser) async throws -> Browser.Page {
        try await browser.get(try path(json))
    }

    func path(_ json: [String: Any]) throws -> String {
        let text = try #require(json["url"] as? String)
        return try #require(URL(string: text)).path
    }

    /// Opens the link and presses "Enable HR Bridge in Oneflow". - Returns: that answer.
    func use(_ json: [String: Any], in browser: Browser) async throws -> Browser.Page {
        let page = try await open(json, in: browser)
        return try await browser.post(try path(json), form: ["csrf_token": try #require(page.csrfToken), "then": "oneflow"])
    }

    func linkState(_ r: RunningApp, _ json: [String: Any]) async throws -> [String: Any] {
        let page = try await r.browser().send(
            .GET, "/api/v1/connect-links/\(try #require(json["id"] as? String))", headers: ["authorization": "Bearer \(testAPIKey)"])
        #expect(page.status == 200)
        return try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
    }

    @Test("a link opened in the customer's browser lets its new account install, bound to the HR customer's reference; used once")
    func linked() async throws {
        try await withRunningApp(settings) { r in
            // Given a link the HR system asked for
            let (made, json) = try await askForLink(r, reference: "cust-0042")
            #expect(made.status == 201)
            #expect(json["state"] as? String == "open" && json["customer_reference"] as? String == "cust-0042")
            let url = try #require(json["url"] as? String)
            #expect(url.hasPrefix(r.app.services.config.publicBaseURL + "/setup/link/"))
            #expect(try await ConnectLink.query(on: r.app.db).first()?.tokenHash.contains(URL(string: url)!.lastPathComponent) == false)

            // When the customer's admin opens it, then enables the extension in the same browser
            let browser = r.browser()
            let page = try await open(json, in: browser)
            #expect(page.status == 200 && page.body.contains("Enable HR Bridge in Oneflow") && page.body.contains("cust-0042"))
            #expect(page.headers.first(name: "referrer-policy") == "no-referrer")
            let onward = try await use(json, in: browser)
            #expect(onward.status == 303 && onward.location == r.app.services.config.publicBaseURL + "/sandbox")
            let account = try await r.newAccount("Acme AB")
            let (_, done) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)

            // Then the installation is made and bound to the reference, and the link is used
            #expect(done.status == 200 && done.body.contains("HR Bridge is connected to Acme AB") && done.body.contains("cust-0042"))
            let installation = try #require(try await Installation.query(on: r.app.db).first())
            #expect(installation.hrCustomerReference == "cust-0042")
            let state = try await linkState(r, json)
            #expect(state["state"] as? String == "used")
            #expect((state["installation"] as? [String: Any])?["oneflow_account_id"] as? Int == account.id)
            #expect(state["url"] == nil)
            let listed = try await r.browser().send(.GET, "/api/v1/installations", headers: ["authorization": "Bearer \(testAPIKey)"])
            #expect(listed.body.contains(#""hr_customer_reference":"cust-0042""#))

            // And opening it again says it was used; another account's setup in that browser is refused
            let again = try await open(json, in: r.browser())
            #expect(again.status == 410 && again.body.contains("This connection link has been used"))
            let other = try await r.newAccount("Other AB")
            let (_, refused) = try await SetupFlowTests().runSetup(r, token: other.token, browser: browser)
            #expect(refused.status == 403 && refused.body.contains("Start from your HR system"))
            #expect(try await Installation.query(on: r.app.db).count() == 1)

            // And the installation may set up again without a link, and the trail names the link's maker
            let (_, resetup) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(resetup.status == 200)
            #expect(
                try await AuditEvent.query(on: r.app.db).filter(\.$action == "connect_link.created").first()?.actor == "api key \"operator api key\"")
        }
    }

    @Test("link: a setup without a link explains what to do and stores nothing; an expired or unknown link is refused")
    func withoutOrExpired() async throws {
        let clock = ManualClock()
        try await withRunningApp(settings, clock: clock) { r in
            // Given no link at all, then the setup is refused with what to do, and nothing is made in Oneflow
            let account = try await r.newAccount("Acme AB")
            let (_, refused) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(refused.status == 403 && refused.body.contains("Ask your HR system (or its administrator) for a connection link"))
            #expect(try await Installation.query(on: r.app.db).count() == 0)
            #expect(try await r.oneflow.templateTypes(.init(token: account.token), offset: 0, limit: 100).data.allSatisfy { $0.name != "HR Bridge" })

            // Given a link opened, then left past its 72 hours
            let (_, json) = try await askForLink(r, reference: "cust-7")
            let browser = r.browser()
            #expect(try await use(json, in: browser).status == 303)
            clock.advance(by: 72 * 3600 + 1)

            // Then the setup with it is refused, the link reads expired, and opening it says so
            let (_, late) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)
            #expect(late.status == 403)
            #expect(try await Installation.query(on: r.app.db).count() == 0)
            #expect(try await linkState(r, json)["state"] as? String == "expired")
            let expired = try await open(json, in: r.browser())
            #expect(expired.status == 410 && expired.body.contains("has expired"))

            // And a made-up link is not found
            let unknown = try await r.browser().get("/setup/link/" + String(repeating: "A", count: 32))
            #expect(unknown.status == 404 && unknown.body.contains("This connection link is not valid"))
            #expect(try await r.browser().get("/setup/link/short").status == 404)
        }
    }

    @Test("links are made by operator keys only, with a customer reference of 1 to 200 characters; an installation's key is 403")
    func badRequests() async throws {
        try await withSyncFixture { f in
            let scoped = try await ScopedAPIKeyTests().key(f, for: f.installation)
            let (forbidden, _) = try await askForLink(f.r, reference: "cust-1", key: scoped)
            #expect(forbidden.status == 403)
            #expect(try await askForLink(f.r, reference: "cust-1", key: "wrong").0.status == 401)
            #expect(try await askForLink(f.r, reference: "").0.status == 422)
            #expect(try await askForLink(f.r, reference: String(repeating: "x", count: 201)).0.status == 422)
            #expect(try await askForLink(f.r, reference: "cust\u{0}").0.status == 422)  // PostgreSQL stores no NUL
            #expect(try await askForLink(f.r, reference: #"{}"#).0.status == 201)  // as given: the HR system's own key
            let noJSON = try await f.r.browser().send(
                .POST, "/api/v1/connect-links", body: "customer_reference=x", contentType: "application/x-www-form-urlencoded",
                headers: ["authorization": "Bearer \(testAPIKey)"])
            #expect(noJSON.status == 415)
            let get = try await f.r.browser().send(.GET, "/api/v1/connect-links", headers: ["authorization": "Bearer \(testAPIKey)"])
            #expect(get.status == 405 && get.headers.first(name: "allow") == "POST")
            #expect(try await ConnectLink.query(on: f.db).count() == 1)
            let missing = try await f.r.browser().send(.GET, "/api/v1/connect-links/\(UUID())", headers: ["authorization": "Bearer \(testAPIKey)"])
            #expect(missing.status == 404)
        }
    }

    @Test("any mode: a link still binds the new installation to the reference; approval: a linked account needs no approval")
    func otherModes() async throws {
        try await withRunningApp(["SETUP_ACCEPT": "approval", "API_KEYS": testAPIKey]) { r in
            let (_, json) = try await askForLink(r, reference: "cust-9")
            let browser = r.browser()
            _ = try await use(json, in: browser)
            let account = try await r.newAccount("Acme AB")
            let (_, done) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)
            #expect(done.status == 200)
            #expect(try await SetupRequest.query(on: r.app.db).count() == 0)
            #expect(try await Installation.query(on: r.app.db).first()?.hrCustomerReference == "cust-9")
        }
    }

    @Test("opening a link alone binds nothing: the page's form (with this browser's CSRF token) does; the link's secret stays out of the log")
    func openingIsNotUsing() async throws {
        let logs = LogStore()
        try await withRunningApp(settings, logs: logs) { r in
            // Given a link opened, its form not sent (a page elsewhere could make a browser open it)
            let (_, json) = try await askForLink(r, reference: "cust-1")
            let browser = r.browser()
            #expect(try await open(json, in: browser).status == 200)
            let account = try await r.newAccount("Acme AB")

            // Then the setup in that browser is not let in by it, and a form without the token is refused
            let (_, refused) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)
            #expect(refused.status == 403)
            #expect(try await browser.post(try path(json), form: ["then": "oneflow"]).status == 403)

            // And no log line carries the link's secret
            let secret = try path(json).split(separator: "/").last.map(String.init) ?? "?"
            #expect(!logs.all.contains { $0.contains(secret) })
            #expect(logs.all.contains { $0.contains("GET /setup/link/… 200") })
        }
    }

    @Test("a link claimed by a setup that failed is used by the account's next setup, from any browser; another account cannot take it")
    func claimedThenRetried() async throws {
        try await withRunningApp(settings) { r in
            // Given a link used in the customer's browser, and Oneflow failing the setup's template group
            let (_, json) = try await askForLink(r, reference: "cust-5")
            let browser = r.browser()
            _ = try await use(json, in: browser)
            let account = try await r.newAccount("Acme AB")
            _ = try await r.control("/faults", json: ["method": "POST", "path": "/template_types", "status": 503, "count": 1])
            let (_, failed) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)
            #expect(failed.status == 502)
            #expect(try await linkState(r, json)["state"] as? String == "open")

            // When another account's setup tries the same link, then it may not
            let other = try await r.newAccount("Other AB")
            let intruder = r.browser()
            _ = try await use(json, in: intruder)
            let (_, refused) = try await SetupFlowTests().runSetup(r, token: other.token, browser: intruder)
            #expect(refused.status == 403)

            // When the first account sets up again from a browser without the link
            let (_, done) = try await SetupFlowTests().runSetup(r, token: account.token)

            // Then the claimed link is used and binds the installation
            #expect(done.status == 200)
            #expect(try await Installation.query(on: r.app.db).count() == 1)
            #expect(try await Installation.query(on: r.app.db).first()?.hrCustomerReference == "cust-5")
            #expect(try await linkState(r, json)["state"] as? String == "used")
        }
    }

    @Test("a link never moves an installation to another customer: one bound to cust-1 keeps it, and cust-2's link stays open for its own")
    func noRebinding() async throws {
        try await withRunningApp(settings) { r in
            // Given an installation bound to cust-1
            let account = try await r.newAccount("Acme AB")
            let (_, first) = try await askForLink(r, reference: "cust-1")
            let browser = r.browser()
            _ = try await use(first, in: browser)
            #expect(try await SetupFlowTests().runSetup(r, token: account.token, browser: browser).1.status == 200)

            // When the same account's admin uses a link for cust-2
            let (_, second) = try await askForLink(r, reference: "cust-2")
            _ = try await use(second, in: browser)
            let (_, again) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)

            // Then the setup runs as a re-setup, the binding stays, and the second link is left open
            #expect(again.status == 200)
            #expect(try await Installation.query(on: r.app.db).first()?.hrCustomerReference == "cust-1")
            #expect(try await linkState(r, second)["state"] as? String == "open")
        }
    }
}

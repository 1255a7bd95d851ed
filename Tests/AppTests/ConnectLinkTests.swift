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
        let text = try #require(json["url"] as? String)
        let url = try #require(URL(string: text))
        return try await browser.get(url.path)
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
            #expect(page.status == 200 && page.body.contains("Enable HR Bridge in Oneflow"))
            #expect(page.body.contains("href=\"\(r.app.services.config.publicBaseURL)/sandbox\""))
            let account = try await r.newAccount("Acme AB")
            let (_, done) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)

            // Then the installation is made and bound to the reference, and the link is used
            #expect(done.status == 200 && done.body.contains("HR Bridge is connected to Acme AB"))
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
            #expect(try await open(json, in: browser).status == 200)
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
            _ = try await open(json, in: browser)
            let account = try await r.newAccount("Acme AB")
            let (_, done) = try await SetupFlowTests().runSetup(r, token: account.token, browser: browser)
            #expect(done.status == 200)
            #expect(try await SetupRequest.query(on: r.app.db).count() == 0)
            #expect(try await Installation.query(on: r.app.db).first()?.hrCustomerReference == "cust-9")
        }
    }
}

import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// The Setup URL flow through real HTTP, against the sandbox mounted in the app.
@Suite("Setup URL flow")
struct SetupFlowTests {
    /// Runs the browser part: `/setup?token=` → `/setup/connect` → the final page.
    func runSetup(_ r: RunningApp, token: String, browser: Browser? = nil) async throws -> (Browser, Browser.Page) {
        let browser = browser ?? r.browser()
        let first = try await browser.get("/setup?token=\(token)")
        #expect(first.status == 303)
        #expect(first.location == "/setup/connect")
        return (browser, try await browser.follow(first))
    }

    func installations(_ r: RunningApp) async throws -> [Installation] {
        try await Installation.query(on: r.app.db).all()
    }

    @Test("happy path: one template group with exactly our fields, one webhook with our URL, group and filter; the success page says so")
    func happyPath() async throws {
        try await withRunningApp(["PUBLIC_BASE_URL": "http://127.0.0.1:1"]) { r in
            let account = try await r.newAccount("Acme AB")
            let (_, page) = try await runSetup(r, token: account.token)
            #expect(page.status == 200)
            let config = r.app.services.config
            #expect(page.body.contains("HR Bridge is connected to Acme AB"))
            for field in config.extensionSettings.dataFields {
                #expect(page.body.contains(field.name))
                #expect(page.body.contains("<code>\(field.customID)</code>"))
            }
            for event in config.extensionSettings.eventTypes { #expect(page.body.contains(event)) }
            #expect(page.body.contains("href=\"\(config.extensionSettings.returnURL)\""))

            let installation = try #require(try await installations(r).first)
            #expect(try await installations(r).count == 1)
            #expect(installation.status == .active)
            #expect(installation.setupStep == "done")
            #expect(installation.oneflowAccountID == account.id)
            let webhookURL = "http://127.0.0.1:1/webhooks/oneflow/\(installation.webhookKey)"
            #expect(page.body.contains(webhookURL))

            let credentials = OneflowCredentials(token: account.token)
            let types = try await r.oneflow.allTemplateTypes(credentials)
            #expect(types.map(\.name) == ["HR Bridge"])
            #expect(installation.templateTypeID == types[0].id)
            let fields = try await r.oneflow.templateType(credentials, id: types[0].id).dataFields ?? []
            // our configured fields, then the one that finds a contract request's contract again
            let provisioned = RequestCorrelation.provisioned(config.extensionSettings.dataFields)
            #expect(fields.map(\.customID) == provisioned.map(\.customID))
            #expect(fields.map(\.name) == provisioned.map(\.name))
            #expect(fields.last?.customID == RequestCorrelation.customID)

            let hooks = try await r.oneflow.webhooks(credentials)
            #expect(hooks.count == 1)
            #expect(hooks[0].id == installation.webhookID)
            #expect(hooks[0].callbackURL == webhookURL)
            #expect(hooks[0].templateGroupID == types[0].id)
            #expect(hooks[0].eventTypes == config.extensionSettings.eventTypes)
            let secrets = InstallationSecrets(box: r.app.services.secretBox)
            let signKey = try #require(try secrets.signKeys(of: installation, now: Date()).first)
            #expect(hooks[0].signKey == signKey)
            #expect(signKey.count >= 43)  // 32 random bytes, base64url
            #expect(installation.webhookKey.count >= 32)

            // Stored sealed: the plain token is nowhere in the row.
            #expect(try secrets.token(of: installation) == account.token)
            #expect(!(installation.tokenSealed ?? "").contains(account.token))
            #expect(!(installation.signKeySealed ?? "").contains(signKey))
        }
    }

    @Test("the success page is only for the browser that ran the setup")
    func successPagePrivate() async throws {
        try await withRunningApp { r in
            let account = try await r.newAccount()
            _ = try await runSetup(r, token: account.token)
            let id = try #require(try await installations(r).first?.id)
            let stranger = try await r.browser().get("/setup/complete/\(id.uuidString)")
            #expect(stranger.status == 404)
            #expect(!stranger.body.contains("webhooks/oneflow/"))
        }
    }

    @Test("three setups: still one template group and one webhook, the same sign key, and a field the customer added is kept")
    func idempotent() async throws {
        try await withRunningApp { r in
            let account = try await r.newAccount()
            let credentials = OneflowCredentials(token: account.token)
            _ = try await runSetup(r, token: account.token)
            let first = try #require(try await installations(r).first)
            let typeID = try #require(first.templateTypeID)
            let key = try InstallationSecrets(box: r.app.services.secretBox).signKeys(of: first, now: Date())

            // The customer adds a field of their own to our group (complete set, as Oneflow requires).
            let current = try await r.oneflow.templateType(credentials, id: typeID).dataFields ?? []
            _ = try await r.oneflow.replaceDataFields(
                credentials, templateTypeID: typeID,
                current.map(DataFieldInput.init(keeping:)) + [DataFieldInput(customID: "customer_badge", name: "Badge number", value: "B-1")])

            for _ in 0..<2 {
                let (_, page) = try await runSetup(r, token: account.token)
                #expect(page.status == 200)
            }
            #expect(try await installations(r).count == 1)
            let again = try #require(try await installations(r).first)
            #expect(try InstallationSecrets(box: r.app.services.secretBox).signKeys(of: again, now: Date()) == key)
            #expect(try await r.oneflow.allTemplateTypes(credentials).count == 1)
            let hooks = try await r.oneflow.webhooks(credentials)
            #expect(hooks.map(\.id) == [first.webhookID])
            let fields = try await r.oneflow.templateType(credentials, id: typeID).dataFields ?? []
            #expect(fields.contains { $0.customID == "customer_badge" && $0.value == "B-1" })
            #expect(fields.count == RequestCorrelation.provisioned(r.app.services.config.extensionSettings.dataFields).count + 1)
        }
    }

    @Test(
        "an invalid token stores nothing and shows the failure page with a 4xx",
        arguments: [
            (String(repeating: "x", count: 40), 401, "The extension token was not accepted"),
            ("too-short", 400, "The extension token was not accepted"),
        ])
    func invalidToken(token: String, status: Int, title: String) async throws {
        try await withRunningApp { r in
            let account = try await r.newAccount()
            // A value that cannot be a token is refused at once; a well-formed one Oneflow refuses, after /setup/connect.
            let browser = r.browser()
            let page = try await browser.follow(try await browser.get("/setup?token=\(token)"))
            #expect(page.status == status)
            #expect(page.body.contains(title))
            #expect(!page.body.contains("Try again"))
            #expect(page.body.contains("Nothing was stored."))
            #expect(try await installations(r).isEmpty)
            #expect(try await r.oneflow.allTemplateTypes(OneflowCredentials(token: account.token)).isEmpty)
        }
    }

    @Test("a 5xx from Oneflow mid-provisioning: failure page, and the next attempt resumes to one group and one webhook")
    func resumeAfterOutage() async throws {
        try await withRunningApp { r in
            let account = try await r.newAccount()
            let credentials = OneflowCredentials(token: account.token)
            _ = try await r.control("/faults", json: ["method": "PUT", "path": "/template_types", "status": 503, "count": 1])
            let (browser, failed) = try await runSetup(r, token: account.token)
            #expect(failed.status == 502)
            #expect(failed.body.contains("Oneflow could not be reached"))
            let stopped = try #require(try await installations(r).first)
            #expect(stopped.status == .error)
            #expect(stopped.setupStep == "template_type")
            #expect(try await r.oneflow.allTemplateTypes(credentials).count == 1)
            #expect(try await r.oneflow.webhooks(credentials).isEmpty)

            // "Try again" (CSRF-protected) goes back to connect with the kept token.
            let csrf = try #require(failed.csrfToken)
            let retried = try await browser.follow(try await browser.post("/setup/retry", form: ["csrf_token": csrf]))
            #expect(retried.status == 200)
            #expect(retried.body.contains("HR Bridge is connected"))
            #expect(try await installations(r).first?.status == .active)
            #expect(try await r.oneflow.allTemplateTypes(credentials).count == 1)
            #expect(try await r.oneflow.webhooks(credentials).count == 1)
        }
    }

    @Test("the paste form: CSRF required, then the same flow")
    func pasteForm() async throws {
        try await withRunningApp { r in
            let account = try await r.newAccount()
            let browser = r.browser()
            let form = try await browser.get("/setup")
            #expect(form.status == 200)
            #expect(form.body.contains("<label for=\"token\">Extension token</label>"))
            let forged = try await browser.post("/setup", form: ["token": account.token])
            #expect(forged.status == 403)
            #expect(try await installations(r).isEmpty)
            let empty = try await browser.post("/setup", form: ["token": " ", "csrf_token": try #require(form.csrfToken)])
            #expect(empty.status == 400)
            let sent = try await browser.post("/setup", form: ["token": account.token, "csrf_token": try #require(form.csrfToken)])
            #expect(sent.status == 303)
            #expect(sent.location == "/setup/connect")
            #expect(try await browser.follow(sent).body.contains("HR Bridge is connected"))
        }
    }

    @Test("the token and the sign key appear in no log line and no page")
    func noSecretsLeak() async throws {
        let logs = LogStore()
        try await withRunningApp(logs: logs) { r in
            let account = try await r.newAccount()
            var pages: [Browser.Page] = []
            let browser = r.browser()
            pages.append(try await browser.get("/setup?token=\(account.token)"))
            pages.append(try await browser.follow(pages[0]))
            _ = try await r.control("/faults", json: ["path": "/ping", "status": 500, "count": 1])
            let (_, failed) = try await runSetup(r, token: account.token)
            pages.append(failed)
            let installation = try #require(try await installations(r).first)
            let signKey = try #require(try InstallationSecrets(box: r.app.services.secretBox).signKeys(of: installation, now: Date()).first)
            for secret in [account.token, signKey] {
                let leaks = logs.all.filter { $0.contains(secret) }
                #expect(leaks.isEmpty, "leaked in: \(leaks.map { $0.replacingOccurrences(of: secret, with: "<SECRET>") })")
                #expect(!pages.contains { $0.body.contains(secret) })
            }
            // The Setup URL is logged without its query.
            #expect(logs.all.contains { $0.contains("GET /setup 303") })
        }
    }
}

import Fluent
import Foundation
import Testing

@testable import App

/// Who may install (`setup.accept`): any account, or only those allowed.
@Suite("Who may install")
struct SetupAcceptTests {
    @Test("setup.accept and setup.allowed_accounts are read and checked at start-up")
    func configuration() async throws {
        let config = try await TestConfig.load(["SETUP_ACCEPT": "allowlist", "SETUP_ALLOWED_ACCOUNTS": "12, 34"])
        #expect(config.setup.accept == .allowlist && config.setup.allowedAccounts == [12, 34])
        #expect(try await TestConfig.load().setup.accept == .any)
        #expect(try await ConfigTests().failingKey(["SETUP_ACCEPT": "everyone"]) == "setup.accept")
        #expect(try await ConfigTests().failingKey(["SETUP_ALLOWED_ACCOUNTS": "12,acme"]) == "setup.allowed_accounts")
    }

    @Test("allowlist: a new account not allowed gets a clear 403 page and nothing is stored; allowed on the admin page, it installs")
    func allowlist() async throws {
        try await withRunningApp(["SETUP_ACCEPT": "allowlist", "ADMIN_PASSWORD": AdminTests.password]) { r in
            // Given an account nobody allowed
            let account = try await r.newAccount("Acme AB")
            // When its admin runs the setup, then it is refused, with the account named, and nothing is kept
            let (_, refused) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(refused.status == 403)
            #expect(refused.body.contains("may not connect here yet") && refused.body.contains("Oneflow account \(account.id)"))
            #expect(try await Installation.query(on: r.app.db).count() == 0)
            #expect(try await r.oneflow.templateTypes(.init(token: account.token), offset: 0, limit: 100).data.allSatisfy { $0.name != "HR Bridge" })

            // When an admin allows it on the installations page
            let admin = r.browser()
            let login = try await admin.get("/admin/login")
            _ = try await admin.post("/admin/login", form: ["password": AdminTests.password, "csrf_token": try #require(login.csrfToken)])
            let page = try await admin.get("/admin/installations")
            #expect(page.body.contains("Who may install") && page.body.contains("No account is allowed yet"))
            let allowed = try await admin.post(
                "/admin/installations/allowed-accounts",
                form: ["account": "\(account.id)", "note": "Acme, signed", "csrf_token": try #require(page.csrfToken)])
            #expect(try await admin.follow(allowed).body.contains("Oneflow account \(account.id) may install"))

            // Then the setup goes through, and the trail says who allowed it
            let (_, done) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(done.status == 200 && done.body.contains("HR Bridge is connected to Acme AB"))
            #expect(try await AuditEvent.query(on: r.app.db).filter(\.$action == "setup.account_allowed").first()?.subject == "\(account.id)")

            // And removing it later leaves the installation able to set up again
            let row = try #require(try await AllowedAccount.query(on: r.app.db).first())
            let list = try await admin.get("/admin/installations")
            _ = try await admin.post(
                "/admin/installations/allowed-accounts/\(try row.requireID())/remove", form: ["csrf_token": try #require(list.csrfToken)])
            #expect(try await AllowedAccount.query(on: r.app.db).count() == 0)
            let (_, again) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(again.status == 200)
        }
    }

    @Test("allowlist: an account in setup.allowed_accounts installs; any: every account does")
    func configuredAndAny() async throws {
        // The sandbox numbers new accounts from 1001.
        try await withRunningApp(["SETUP_ACCEPT": "allowlist", "SETUP_ALLOWED_ACCOUNTS": "1001,1002,1003"]) { r in
            let account = try await r.newAccount("Listed AB")
            try #require(r.app.services.config.setup.allowedAccounts.contains(account.id))
            let (_, page) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(page.status == 200 && page.body.contains("HR Bridge is connected to Listed AB"))
            let policy = InstallPolicy(db: r.app.db, setup: r.app.services.config.setup)
            #expect(try await !policy.mayInstall(oneflowAccountID: 999_999))
        }
        try await withRunningApp { r in
            let (_, page) = try await SetupFlowTests().runSetup(r, token: try await r.newAccount("Open AB").token)
            #expect(page.status == 200)
        }
    }

    /// Signs in as the admin.
    func admin(_ r: RunningApp) async throws -> Browser {
        let admin = r.browser()
        let login = try await admin.get("/admin/login")
        _ = try await admin.post("/admin/login", form: ["password": AdminTests.password, "csrf_token": try #require(login.csrfToken)])
        return admin
    }

    @Test(
        "approval: a new account waits, nothing made in its Oneflow account; approved, it installs and its page moves on; refused, its token is forgotten"
    )
    func approval() async throws {
        try await withRunningApp(["SETUP_ACCEPT": "approval", "ADMIN_PASSWORD": AdminTests.password]) { r in
            // Given a new account's setup
            let account = try await r.newAccount("Acme AB")
            let (customer, page) = try await SetupFlowTests().runSetup(r, token: account.token)
            // Then it waits, and nothing is made in Oneflow or here but the sealed request
            #expect(page.status == 202 && page.body.contains("Waiting for approval") && page.body.contains("Oneflow account \(account.id)"))
            #expect(page.headers.first(name: "refresh") == "5")
            #expect(try await Installation.query(on: r.app.db).count() == 0)
            #expect(try await r.oneflow.templateTypes(.init(token: account.token), offset: 0, limit: 100).data.allSatisfy { $0.name != "HR Bridge" })
            let request = try #require(try await SetupRequest.query(on: r.app.db).first())
            let storedToken = try request.tokenSealed.map { try r.app.services.secretBox.open($0) }
            #expect(request.status == .pending && request.tokenSealed != account.token && storedToken == account.token)
            let waitingPath = "/setup/waiting/\(try request.requireID())"
            // Another browser does not see it
            #expect(try await r.browser().get(waitingPath).status == 404)

            // When the admin approves it
            let admin = try await admin(r)
            let list = try await admin.get("/admin/installations")
            let requestID = try request.requireID()
            #expect(list.body.contains("Acme AB") && list.body.contains("/requests/\(requestID)/approve"))
            let approved = try await admin.post(
                "/admin/installations/requests/\(try request.requireID())/approve", form: ["csrf_token": try #require(list.csrfToken)])
            #expect(try await admin.follow(approved).body.contains("is approved and connected"))
            // Then the installation is made, and the customer's page moves on to the success page
            let installation = try #require(try await Installation.query(on: r.app.db).first())
            #expect(installation.status == .active)
            let after = try await SetupRequest.find(request.id, on: r.app.db)
            #expect(after?.status == .approved && after?.tokenSealed == nil && after?.installationID == installation.id)
            let moved = try await customer.get(waitingPath)
            #expect(moved.status == 303)
            let success = try await customer.follow(moved)
            #expect(success.status == 200 && success.body.contains("HR Bridge is connected to Acme AB"))
            // And setting it up again needs no approval
            let (_, again) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(again.status == 200)

            // When another account asks and is refused
            let other = try await r.newAccount("Beta Oy")
            let (otherBrowser, otherPage) = try await SetupFlowTests().runSetup(r, token: other.token)
            #expect(otherPage.status == 202)
            let otherRequest = try #require(try await SetupRequest.query(on: r.app.db).filter(\.$oneflowAccountID == other.id).first())
            let list2 = try await admin.get("/admin/installations")
            _ = try await admin.post(
                "/admin/installations/requests/\(try otherRequest.requireID())/refuse", form: ["csrf_token": try #require(list2.csrfToken)])
            // Then its token is forgotten, its page says no, and both decisions are on the trail
            let refused = try await SetupRequest.find(otherRequest.id, on: r.app.db)
            #expect(refused?.status == .refused && refused?.tokenSealed == nil)
            let no = try await otherBrowser.get("/setup/waiting/\(try otherRequest.requireID())")
            #expect(no.status == 403 && no.body.contains("was not approved") && no.body.contains("token are deleted"))
            #expect(try await Installation.query(on: r.app.db).count() == 1)
            let actions = try await AuditEvent.query(on: r.app.db).sort(\.$at).all().map(\.action)
            #expect(actions == ["setup.approved", "setup.refused"])
        }
    }

    @Test(
        "approval: a setup that cannot finish when approved stays approved, its page keeps waiting, and trying again connects it; a second decision finds nothing"
    )
    func approvalThatCannotFinish() async throws {
        try await withRunningApp(["SETUP_ACCEPT": "approval", "ADMIN_PASSWORD": AdminTests.password]) { r in
            // Given a waiting request, and Oneflow failing once when the admin approves
            let account = try await r.newAccount("Acme AB")
            let (customer, _) = try await SetupFlowTests().runSetup(r, token: account.token)
            let request = try #require(try await SetupRequest.query(on: r.app.db).first())
            let requestID = try request.requireID()
            let admin = try await admin(r)
            let list = try await admin.get("/admin/installations")
            let csrf = try #require(list.csrfToken)
            _ = try await r.control("/faults", json: ["path": "/ping", "status": 503, "count": 1])

            // When approved, then it is approved but not connected, with the reason, and the token kept for a retry
            let first = try await admin.post("/admin/installations/requests/\(requestID)/approve", form: ["csrf_token": csrf])
            #expect(try await admin.follow(first).body.contains("is approved but not connected"))
            let stuck = try #require(try await SetupRequest.find(requestID, on: r.app.db))
            #expect(stuck.status == .approved && stuck.installationID == nil && stuck.tokenSealed != nil && stuck.lastError?.isEmpty == false)
            // And the customer's page keeps looking
            let waiting = try await customer.get("/setup/waiting/\(requestID)")
            #expect(waiting.status == 202 && waiting.headers.first(name: "refresh") == "5")
            // And it can no longer be refused
            #expect(try await admin.post("/admin/installations/requests/\(requestID)/refuse", form: ["csrf_token": csrf]).status == 404)

            // When the admin tries again, then it connects and the page moves on
            let again = try await admin.post("/admin/installations/requests/\(requestID)/approve", form: ["csrf_token": csrf])
            #expect(try await admin.follow(again).body.contains("is approved and connected"))
            #expect(try await customer.get("/setup/waiting/\(requestID)").status == 303)
            // And a third decision finds nothing to decide
            #expect(try await admin.post("/admin/installations/requests/\(requestID)/approve", form: ["csrf_token": csrf]).status == 404)
            #expect(try await Installation.query(on: r.app.db).count() == 1)
        }
    }

    @Test("a request still waiting when its account gets installed another way is settled, its token wiped")
    func supersededRequest() async throws {
        try await withRunningApp { r in
            // Given a waiting request (made under approval earlier) for an account
            let account = try await r.newAccount("Acme AB")
            let sealed = try r.app.services.secretBox.seal(account.token)
            let request = SetupRequest(oneflowAccountID: account.id, accountName: "Acme AB", tokenSealed: sealed, at: Date())
            try await request.create(on: r.app.db)
            // When the account is set up (here under `any`)
            let (_, page) = try await SetupFlowTests().runSetup(r, token: account.token)
            #expect(page.status == 200)
            // Then the request is settled and forgets the token
            let after = try #require(try await SetupRequest.find(request.id, on: r.app.db))
            #expect(after.status == .superseded && after.tokenSealed == nil && after.installationID != nil)
        }
    }
}

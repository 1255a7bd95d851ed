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
        try await withRunningApp(["SETUP_ACCEPT": "allowlist", "SETUP_ALLOWED_ACCOUNTS": "1001,1002,1003"]) { r in
            let account = try await r.newAccount("Listed AB")
            let policy = InstallPolicy(db: r.app.db, setup: r.app.services.config.setup)
            #expect(try await policy.mayInstall(oneflowAccountID: account.id) == r.app.services.config.setup.allowedAccounts.contains(account.id))
            #expect(try await policy.mayInstall(oneflowAccountID: 1001))
            #expect(try await !policy.mayInstall(oneflowAccountID: 999_999))
        }
        try await withRunningApp { r in
            let (_, page) = try await SetupFlowTests().runSetup(r, token: try await r.newAccount("Open AB").token)
            #expect(page.status == 200)
        }
    }
}

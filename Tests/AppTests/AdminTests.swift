import Fluent
import Foundation
import Testing

@testable import App

@Suite("Admin UI")
struct AdminTests {
    static let password = "test-admin-password"

    /// A browser signed in as admin.
    func signIn(_ f: SyncFixture) async throws -> Browser {
        let browser = f.r.browser()
        let form = try await browser.get("/admin/login")
        let done = try await browser.post("/admin/login", form: ["password": Self.password, "csrf_token": try #require(form.csrfToken)])
        #expect(done.status == 303)
        #expect(done.location == "/admin")
        return browser
    }

    @Test("sign-in: pages need a session, a wrong password is refused, the form needs its CSRF token, sign-out ends it")
    func login() async throws {
        try await withSyncFixture { f in
            let browser = f.r.browser()
            for path in ["/admin", "/admin/activity", "/admin/employees", "/admin/installations"] {
                let page = try await browser.get(path)
                #expect(page.status == 303, "\(path)")
                #expect(page.location == "/admin/login")
            }
            let form = try await browser.get("/admin/login")
            #expect(form.status == 200)
            let csrf = try #require(form.csrfToken)
            #expect(try await browser.post("/admin/login", form: ["password": Self.password]).status == 403)
            let wrong = try await browser.post("/admin/login", form: ["password": "guess", "csrf_token": csrf])
            #expect(wrong.status == 401)
            #expect(wrong.body.contains("That password is not right."))
            #expect(try await browser.get("/admin").status == 303)

            let admin = try await signIn(f)
            let dashboard = try await admin.get("/admin")
            #expect(dashboard.status == 200)
            #expect(dashboard.body.contains("Deliveries by outcome"))
            #expect(try await admin.post("/admin/logout", form: [:]).status == 403)
            #expect(try await admin.post("/admin/logout", form: ["csrf_token": try #require(dashboard.csrfToken)]).status == 303)
            #expect(try await admin.get("/admin").status == 303)
        }
    }

    @Test("webhook activity lists every outcome, filters, and shows a delivery with its payload and jobs")
    func activity() async throws {
        try await withSyncFixture { f in
            // processed
            let signed = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: signed, events: ["contract:sign"], callbackID: "cb-processed"))
            // ignored: another group
            let foreign = try await f.newContract(templateTypeID: try await f.otherTemplateGroup(), values: [:])
            _ = try await f.post(try f.notification(contractID: foreign, events: ["contract:publish"], callbackID: "cb-ignored"))
            // dead: Oneflow refuses for good
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/424242", "status": 400, "count": 1])
            _ = try await f.post(try f.notification(contractID: 424242, events: ["contract:sign"], callbackID: "cb-dead"))
            // failed: a transient error; the retry is backed off, so it stays failed for now (and
            // fails again if a slow run reaches it: on a loaded machine the backoff passed)
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/525252", "status": 503, "count": 100])
            _ = try await f.post(try f.notification(contractID: 525252, events: ["contract:sign"], callbackID: "cb-failed"))
            await f.drain()
            // pending: not processed yet
            _ = try await f.post(try f.notification(contractID: signed, events: ["contract:sign"], callbackID: "cb-pending"))

            let admin = try await signIn(f)
            let list = try await admin.get("/admin/activity")
            #expect(list.status == 200)
            for outcome in ["processed", "ignored", "dead", "failed", "pending"] {
                #expect(list.body.contains("outcome-\(outcome)\">\(outcome)</span>"), "\(outcome)")
            }
            let dead = try await admin.get("/admin/activity?status=dead")
            #expect(dead.body.contains("424242"))
            #expect(!dead.body.contains(">processed</span>"))

            let delivery = try #require(try await f.deliveries().first { $0.callbackID == "cb-dead" })
            let detail = try await admin.get("/admin/activity/\(try delivery.requireID())")
            #expect(detail.status == 200)
            #expect(detail.body.contains("cb-dead"))
            #expect(detail.body.contains("&quot;callback_id&quot;") || detail.body.contains("\"callback_id\""))
            #expect(!detail.body.contains("&quot;signature&quot;") && !detail.body.contains("\"signature\""))
            #expect(detail.body.contains("Replay"))
            #expect(detail.body.contains("400"))
        }
    }

    @Test("Replay from the delivery page needs CSRF and makes no second HR change")
    func replay() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: "cb-replay"))
            await f.drain()
            let history = try await f.history().count
            let delivery = try #require(try await f.deliveries().first { $0.callbackID == "cb-replay" })
            let admin = try await signIn(f)
            let page = try await admin.get("/admin/activity/\(try delivery.requireID())")
            #expect(try await admin.post("/admin/activity/\(try delivery.requireID())/replay", form: [:]).status == 403)
            let replayed = try await admin.post(
                "/admin/activity/\(try delivery.requireID())/replay", form: ["csrf_token": try #require(page.csrfToken)])
            #expect(replayed.status == 303)
            #expect(try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .pending)
            await f.drain()
            #expect(try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .processed)
            #expect(try await f.history().count == history)
        }
    }

    @Test("employees: search, the employee page with contracts and history, and the signed PDF")
    func employees() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"]))
            await f.drain()
            let admin = try await signIn(f)
            #expect(try await admin.get("/admin/employees?q=JANE").body.contains("Jane Doe"))
            #expect(try await admin.get("/admin/employees?q=10023").body.contains("Jane Doe"))
            #expect(!(try await admin.get("/admin/employees?q=nobody").body.contains("Jane Doe")))
            let employee = try #require(try await f.employees().first)
            let page = try await admin.get("/admin/employees/\(try employee.requireID())")
            #expect(page.status == 200)
            #expect(page.body.contains("Support Engineer"))
            #expect(page.body.contains("signed"))
            #expect(page.body.contains("<code>department</code>"))
            #expect(!page.body.contains("19900101-1234"))  // shown as "stored encrypted", never in clear
            let document = try #require(try await Document.query(on: f.db).first())
            let pdf = try await admin.get("/admin/employees/\(try employee.requireID())/documents/\(try document.requireID())")
            #expect(pdf.status == 200)
            #expect(pdf.body.hasPrefix("%PDF"))
        }
    }

    @Test("installations: listed with status, and disconnect from the page")
    func installations() async throws {
        try await withSyncFixture { f in
            // Given: a delivery for Acme AB and another installation without any
            _ = try await f.post(try f.notification(contractID: try await f.signedContract(), events: ["contract:sign"]))
            _ = try await SyncFixture.connect(f.r, name: "Quiet AB")
            let admin = try await signIn(f)
            let page = try await admin.get("/admin/installations")
            #expect(page.body.contains("Acme AB"))
            #expect(page.body.contains("install-active"))
            // Then: each row has its own newest delivery (the list reads them for all rows at once)
            let delivered = try #require(try await f.deliveries().last?.receivedAt)
            let acme = try #require(page.body.firstRange(of: "Acme AB").map { page.body[$0.lowerBound...] })
            let quiet = try #require(page.body.firstRange(of: "Quiet AB").map { page.body[$0.lowerBound...] })
            #expect(acme.prefix(600).contains(AdminFormat.time(delivered)))
            #expect(quiet.prefix(600).contains("<td>—</td>"))
            let again = try await admin.post(
                "/admin/installations/\(try f.installation.requireID())/reprovision",
                form: ["csrf_token": try #require(page.csrfToken)])
            #expect(again.status == 303)
            #expect(try await admin.follow(again).body.contains("is provisioned again"))
            #expect(try await f.r.oneflow.webhooks(f.credentials).count == 1)
            let done = try await admin.post(
                "/admin/installations/\(try f.installation.requireID())/disconnect",
                form: ["csrf_token": try #require(page.csrfToken)])
            #expect(done.status == 303)
            #expect(try await Installation.find(f.installation.id, on: f.db)?.status == .disconnected)
            #expect(try await admin.follow(done).body.contains("is disconnected"))
        }
    }

    @Test("the installation filter's options escape the account's name, and mark the chosen one")
    func filterOptions() async throws {
        try await withSyncFixture { f in
            // Given: an account whose name is markup (a customer chooses it in Oneflow)
            let odd = try await SyncFixture.connect(f.r, name: "Odd <b>\"AB\"</b> & Co")
            let admin = try await signIn(f)
            for list in ["activity", "employees", "notifications", "audit", "contract-requests"] {
                let page = try await admin.get("/admin/\(list)?installation=\(try odd.installation.requireID())")
                #expect(page.status == 200)
                #expect(page.body.contains(">Odd &lt;b&gt;&quot;AB&quot;&lt;/b&gt; &amp; Co</option>"), "\(list)")
                #expect(!page.body.contains("<b>\"AB\"</b>"), "\(list)")
                #expect(page.body.contains("value=\"\(try odd.installation.requireID())\" selected>"), "\(list)")
            }
        }
    }
}

import Fluent
import Foundation
import Testing

@testable import App

/// Notifications per customer (`NotificationTarget`): an installation's own endpoint, set on
/// its admin page and proven by a test POST; `notify.*` for the others.
@Suite("Notification targets per installation")
struct NotificationTargetTests {
    /// Receivers for the test, always stopped after.
    func withReceivers(_ count: Int, statuses: [UInt] = [], _ body: ([HRReceiver]) async throws -> Void) async throws {
        var receivers: [HRReceiver] = []
        do {
            for _ in 0..<count { receivers.append(try await HRReceiver.start(statuses: statuses, only: ("POST", "/hr/notify"))) }
            try await body(receivers)
        } catch {
            for receiver in receivers { try? await receiver.stop() }
            throw error
        }
        for receiver in receivers { try await receiver.stop() }
    }

    /// Saves a target through the installation's admin page. - Returns: the answer.
    func saveTarget(_ admin: Browser, _ installation: Installation, _ fields: [String: String]) async throws -> Browser.Page {
        let path = "/admin/installations/\(try installation.requireID())"
        let page = try await admin.get(path)
        return try await admin.post(path + "/notification-target", form: fields.merging(["csrf_token": try #require(page.csrfToken)]) { a, _ in a })
    }

    /// A signed contract of `f`'s account, received and written; its notifications queued.
    func signedAndSynced(_ f: SyncFixture) async throws {
        let id = try await f.signedContract()
        _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"]))
        await f.drain()
    }

    func bodies(_ receiver: HRReceiver) throws -> [[String: Any]] {
        try receiver.received.map { try #require(try JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any]) }
    }

    @Test(
        "two customers with the same employee: each notification reaches only its customer's endpoint, signed with its secret and naming its installation; a customer without a target uses notify.*"
    )
    func perCustomer() async throws {
        try await withReceivers(3) { receivers in
            let (own, fallback, third) = (receivers[0], receivers[1], receivers[2])
            try await withSyncFixture(["NOTIFY_ENDPOINT": fallback.url, "NOTIFY_SECRET": "fallback-secret"]) { a in
                // Given Acme with a target of its own, and Beta, whose employee has the same number and email, without one
                let b = try await SyncFixture.connect(a.r, name: "Beta Oy")
                let admin = try await AdminTests().signIn(a)
                let saved = try await saveTarget(admin, a.installation, ["endpoint": own.url, "key": "acme key", "secret": "acme-secret"])
                #expect(saved.status == 303)
                #expect(own.received.count == 1)  // the test notification
                let test = try #require(try bodies(own).first)
                #expect(test["type"] as? String == "test")
                #expect((test["installation"] as? [String: Any])?["id"] as? String == a.installation.id?.uuidString)

                // When both sign a contract and the notifications are sent
                try await signedAndSynced(a)
                try await signedAndSynced(b)
                _ = try await a.sendNotifications()

                // Then Acme's three went to its endpoint only, keyed and signed with its secret; Beta's to notify.*
                let acme = try bodies(own).dropFirst()
                let beta = try bodies(fallback)
                #expect(acme.map { "\($0["type"]!)" } == ["employee", "contract", "document"])
                #expect(beta.map { "\($0["type"]!)" } == ["employee", "contract", "document"])
                #expect(acme.allSatisfy { ($0["installation"] as? [String: Any])?["oneflow_account_name"] as? String == "Acme AB" })
                #expect(beta.allSatisfy { ($0["installation"] as? [String: Any])?["oneflow_account_name"] as? String == "Beta Oy" })
                for item in own.received {
                    #expect(item.query == "key=acme%20key")
                    #expect(item.signature == NotificationDestination.signature(of: item.body, secret: "acme-secret"))
                }
                for item in fallback.received {
                    #expect(item.signature == NotificationDestination.signature(of: item.body, secret: "fallback-secret"))
                }
                #expect(third.received.isEmpty)

                // And the secrets are stored sealed, never in clear, and the page does not show them
                let row = try #require(try await NotificationTarget.query(on: a.db).first())
                #expect(row.keySealed != nil && row.keySealed?.contains("acme key") == false)
                #expect(row.secretSealed != nil && row.secretSealed?.contains("acme-secret") == false)
                let page = try await admin.get("/admin/installations/\(try a.installation.requireID())")
                #expect(page.body.contains(own.url))
                #expect(!page.body.contains("acme-secret") && !page.body.contains("acme key"))
                #expect(try await admin.get("/admin/installations").body.contains("own: 127.0.0.1"))

                // And the audit trail names the change, not the secret
                let event = try #require(try await AuditEvent.query(on: a.db).filter(\.$action == "notification_target.saved").first())
                #expect(event.installationID == a.installation.id)
                #expect(!event.detail.contains("secret"))
            }
        }
    }

    @Test("without notify.*, only an installation with a target of its own gets notifications; removing the target stops them")
    func onlyWithTarget() async throws {
        try await withReceivers(1) { receivers in
            let own = receivers[0]
            try await withSyncFixture { a in
                // Given Beta with a target of its own, Acme without, and no notify.endpoint
                let b = try await SyncFixture.connect(a.r, name: "Beta Oy")
                let admin = try await AdminTests().signIn(a)
                #expect(try await saveTarget(admin, b.installation, ["endpoint": own.url]).status == 303)

                // When both sign a contract
                try await signedAndSynced(a)
                try await signedAndSynced(b)

                // Then only Beta's changes are queued, and they go to Beta's endpoint, unsigned (no secret)
                let queued = try await OutboundNotification.query(on: a.db).all()
                #expect(queued.count == 3)
                #expect(queued.allSatisfy { $0.$installation.id == b.installation.id })
                #expect(try await a.sendNotifications() == 3)
                #expect(own.received.count == 4)
                #expect(own.received.allSatisfy { $0.signature == nil })

                // When the target is removed
                let page = try await admin.get("/admin/installations/\(try b.installation.requireID())")
                let removed = try await admin.post(
                    "/admin/installations/\(try b.installation.requireID())/notification-target/remove",
                    form: ["csrf_token": try #require(page.csrfToken)])
                #expect(removed.status == 303)

                // Then Beta's next change is not queued (there is nowhere to send it)
                try await signedAndSynced(b)
                #expect(try await OutboundNotification.query(on: a.db).count() == 3)
                #expect(try await a.sendNotifications() == 0)
                #expect(try await AuditEvent.query(on: a.db).filter(\.$action == "notification_target.removed").count() == 1)
            }
        }
    }

    @Test("a target that does not answer 2xx, does not answer at all, or is not a URL is refused with the reason; the stored one is kept")
    func refused() async throws {
        try await withReceivers(1) { receivers in
            let endpoint = receivers[0]
            try await withSyncFixture { f in
                let admin = try await AdminTests().signIn(f)
                // Given a saved target with a secret
                #expect(try await saveTarget(admin, f.installation, ["endpoint": endpoint.url, "secret": "first"]).status == 303)

                // When the admin saves one that answers 404 (a path the receiver does not serve), one nobody listens at, and a bad URL
                let notFound = try await saveTarget(admin, f.installation, ["endpoint": endpoint.url + "/other"])
                let closed = try await saveTarget(admin, f.installation, ["endpoint": "http://127.0.0.1:9/hr", "timeout_seconds": "2"])
                let bad = try await saveTarget(admin, f.installation, ["endpoint": "ftp://hr.example"])
                let slow = try await saveTarget(admin, f.installation, ["endpoint": endpoint.url, "timeout_seconds": "500"])
                let halfCertificate = try await saveTarget(
                    admin, f.installation,
                    ["endpoint": endpoint.url, "client_certificate_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"])

                // Then each is refused on the page with its reason
                #expect(notFound.status == 422)
                #expect(notFound.body.contains("did not accept a test notification (HTTP 404)"))
                #expect(closed.status == 422)
                #expect(closed.body.contains("did not accept a test notification"))
                #expect(bad.status == 422 && bad.body.contains("must be an http(s) URL"))
                #expect(slow.status == 422 && slow.body.contains("from 1 to 120"))
                #expect(halfCertificate.status == 422 && halfCertificate.body.contains("certificates do not load"))

                // And the first target stands, its secret kept by a save that leaves the field blank
                let row = try #require(try await NotificationTarget.query(on: f.db).first())
                #expect(row.endpoint == endpoint.url)
                #expect(try await saveTarget(admin, f.installation, ["endpoint": endpoint.url, "timeout_seconds": "7"]).status == 303)
                let destination = try await f.r.app.services.notificationTargets.destination(for: f.installation.id, on: f.db)
                #expect(destination?.secret == "first")
                #expect(destination?.timeoutSeconds == 7)
                #expect(try await NotificationTarget.query(on: f.db).count() == 1)

                // And "remove the stored secret" removes it
                #expect(try await saveTarget(admin, f.installation, ["endpoint": endpoint.url, "forget_secret": "on"]).status == 303)
                #expect(try await f.r.app.services.notificationTargets.destination(for: f.installation.id, on: f.db)?.secret == nil)
            }
        }
    }

    @Test("one installation's target that cannot be read (a secret sealed with a key no longer known) holds back only its own notifications")
    func brokenTargetSkipped() async throws {
        try await withReceivers(1) { receivers in
            try await withSyncFixture { a in
                // Given Acme's target with a secret nobody can open, and Beta's target that works
                let b = try await SyncFixture.connect(a.r, name: "Beta Oy")
                let broken = NotificationTarget(installationID: try a.installation.requireID(), at: Date())
                (broken.endpoint, broken.timeoutSeconds, broken.secretSealed) = (receivers[0].url, 5, "v1.unknown-key.AAAA")
                try await broken.create(on: a.db)
                let admin = try await AdminTests().signIn(a)
                #expect(try await saveTarget(admin, b.installation, ["endpoint": receivers[0].url]).status == 303)

                // When a notification of each waits, Acme's first
                for installation in [a.installation, b.installation] {
                    try await Outbox.of(installation).record(
                        .employee, .created, data: ["id": "x"], subjectID: nil, employeeID: UUID(), installationID: installation.requireID(),
                        on: a.db, now: Date())
                }
                let sent = try await a.sendNotifications()

                // Then Beta's is sent and Acme's waits
                #expect(sent == 1)
                let waiting = try await OutboundNotification.query(on: a.db).filter(\.$status == .pending).all()
                #expect(waiting.map { $0.$installation.id } == [a.installation.id])
            }
        }
    }
}

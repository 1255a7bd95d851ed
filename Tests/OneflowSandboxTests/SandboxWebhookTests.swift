import Crypto
import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

@Suite("Sandbox webhooks and deliveries")
struct SandboxWebhookTests {
    /// sha1(callback_id + sign_key), computed here independently of both the sandbox and the client.
    func expectedSignature(_ callbackID: String, _ key: String) -> String {
        Insecure.SHA1.hash(data: Data((callbackID + key).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("webhooks: create, list and get show the sign key; update; delete")
    func crud() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
            let input = WebhookInput(
                callbackURL: "https://hr.example.com/webhooks/oneflow/abc", signKey: "key-1",
                templateGroupID: type.id, filters: [.eventTypes(["contract:sign", "contract:publish"])])
            let created = try await h.client.createWebhook(credentials, input)
            #expect(created.callbackURL == input.callbackURL)
            #expect(created.templateGroupID == type.id)
            #expect(created.eventTypes == ["contract:sign", "contract:publish"])
            #expect(try await h.client.webhooks(credentials).map(\.signKey) == ["key-1"])
            #expect(try await h.client.webhook(credentials, id: created.id).signKey == "key-1")

            var changed = input
            changed.signKey = "key-2"
            #expect(try await h.client.updateWebhook(credentials, id: created.id, changed).signKey == "key-2")
            try await h.client.deleteWebhook(credentials, id: created.id)
            #expect(try await h.client.webhooks(credentials).isEmpty)
            let gone = await #expect(throws: OneflowError.self) { try await h.client.webhook(credentials, id: created.id) }
            #expect(gone?.status == 404)
        }
    }

    @Test(
        "callback URLs must be HTTPS, except on loopback hosts",
        arguments: [
            ("https://hr.example.com/hook", true), ("http://127.0.0.1:8080/hook", true), ("http://localhost/hook", true),
            ("http://hr.example.com/hook", false), ("ftp://hr.example.com", false), ("not a url", false),
        ])
    func callbackScheme(url: String, accepted: Bool) async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let input = WebhookInput(callbackURL: url, signKey: "k", templateGroupID: nil, filters: nil)
            if accepted {
                _ = try await h.client.createWebhook(credentials, input)
            } else {
                let error = await #expect(throws: OneflowError.self) { try await h.client.createWebhook(credentials, input) }
                #expect(error?.status == 400)
                #expect(error?.parameterProblems["callback_url"] != nil)
            }
        }
    }

    @Test("filters are checked: 1–2 rules, 1–50 values, known event types; the group must exist")
    func filterValidation() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let url = "https://hr.example.com/hook"
            let bad: [[WebhookFilter]] = [
                [WebhookFilter(filterRules: [])],
                [.eventTypes([])],
                [.eventTypes(Array(repeating: "contract:sign", count: 51))],
                [.eventTypes(["contract:explode"])],
            ]
            for filters in bad {
                let error = await #expect(throws: OneflowError.self) {
                    try await h.client.createWebhook(
                        credentials, WebhookInput(callbackURL: url, signKey: nil, templateGroupID: nil, filters: filters))
                }
                #expect(error?.status == 400)
            }
            let missingGroup = await #expect(throws: OneflowError.self) {
                try await h.client.createWebhook(credentials, WebhookInput(callbackURL: url, signKey: nil, templateGroupID: 999_999, filters: nil))
            }
            #expect(missingGroup?.status == 404)
        }
    }

    @Test("a notification goes to the webhooks of the contract's template group (or none), signed, filtered by event type")
    func routingAndSignature() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let ours = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
            let other = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "Sales"))
            let hook = { (group: Int?, key: String, events: [String]?) in
                WebhookInput(callbackURL: h.receiver.url + "/\(key)", signKey: key, templateGroupID: group, filters: events.map { [.eventTypes($0)] })
            }
            _ = try await h.client.createWebhook(credentials, hook(ours.id, "ours", ["contract:sign"]))
            _ = try await h.client.createWebhook(credentials, hook(other.id, "other", nil))
            _ = try await h.client.createWebhook(credentials, hook(nil, "all", nil))

            let contract = try await h.newContract(credentials, templateTypeID: ours.id)
            try await h.act("publish", contract: contract.id)
            try await h.act("sign", contract: contract.id)
            await h.sandbox.deliverDue()

            let received = h.receiver.received
            // "ours" admits only contract:sign; "all" gets publish and sign; "other" (another group) nothing.
            #expect(received.filter { $0.path == "/hook/ours" }.count == 1)
            #expect(received.filter { $0.path == "/hook/all" }.count == 2)
            #expect(received.filter { $0.path == "/hook/other" }.isEmpty)

            for item in received {
                #expect(item.contentType?.hasPrefix("application/json") == true)
                let notification = try JSONDecoder.oneflow().decode(WebhookNotification.self, from: Data(item.body.utf8))
                #expect(notification.contract.id == contract.id)
                #expect(notification.callbackID.count == 40)
                let key = String(item.path.dropFirst("/hook/".count))
                #expect(notification.signature == expectedSignature(notification.callbackID, key))
                #expect(notification.isSigned(byAnyOf: [key]))
            }
            let signEvents = try received.filter { $0.path == "/hook/ours" }.map {
                try JSONDecoder.oneflow().decode(WebhookNotification.self, from: Data($0.body.utf8)).events.map(\.type)
            }
            #expect(signEvents == [[.contractSign]])
        }
    }

    /// One webhook to the receiver, one published contract, deliveries running in the background.
    func publishToReceiver(_ h: SandboxHarness) async throws {
        let (credentials, _) = try await h.newAccount()
        let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge"))
        _ = try await h.client.createWebhook(
            credentials, WebhookInput(callbackURL: h.receiver.url, signKey: "k", templateGroupID: type.id, filters: nil))
        let contract = try await h.newContract(credentials, templateTypeID: type.id)
        try await h.act("publish", contract: contract.id)
        await h.sandbox.start()
    }

    @Test("failed deliveries retry on Oneflow's schedule, with the same callback_id, 10 attempts in all")
    func retrySchedule() async throws {
        // 0.0003 compresses the 6,406-second schedule to about 2 seconds.
        let scale = 0.0003
        try await withSandbox(retryScale: scale, receiverStatuses: Array(repeating: 500, count: 20)) { h in
            try await publishToReceiver(h)

            let finished = try await eventually { await h.sandbox.store.deliveries().first?.status == "failed" }
            #expect(finished)
            let delivery = try #require(await h.sandbox.store.deliveries().first)
            #expect(delivery.attempts.count == 10)
            #expect(delivery.attempts.map(\.number) == Array(1...10))
            #expect(delivery.attempts.allSatisfy { $0.status == 500 })
            // Each retry was scheduled at least the documented delay after the previous attempt.
            for (n, delay) in RetrySchedule.oneflowDelays.enumerated() {
                let gap = delivery.attempts[n + 1].scheduledAt.timeIntervalSince(delivery.attempts[n].startedAt)
                #expect(gap >= delay * scale, "retry \(n + 1)")
                #expect(delivery.attempts[n + 1].startedAt >= delivery.attempts[n + 1].scheduledAt)
            }
            let callbackIDs = try Set(
                h.receiver.received.map {
                    try JSONDecoder.oneflow().decode(WebhookNotification.self, from: Data($0.body.utf8)).callbackID
                })
            #expect(h.receiver.received.count == 10)
            #expect(callbackIDs == [delivery.callbackID])
        }
    }

    @Test("a 200 ends the retries; any other status (even 2xx) does not")
    func onlyTwoHundred() async throws {
        try await withSandbox(retryScale: 0.0003, receiverStatuses: [503, 204, 200]) { h in
            try await publishToReceiver(h)
            #expect(try await eventually { await h.sandbox.store.deliveries().first?.status == "delivered" })
            let delivery = try #require(await h.sandbox.store.deliveries().first)
            #expect(delivery.attempts.map(\.status) == [503, 204, 200])
        }
    }

    @Test("the retry schedule is Oneflow's")
    func schedule() {
        let real = RetrySchedule()
        #expect(real.maxAttempts == 10)
        #expect((1...9).compactMap { real.delay(afterAttempt: $0) } == [1, 5, 10, 30, 60, 300, 600, 1800, 3600])
        #expect(real.delay(afterAttempt: 10) == nil)
        #expect(RetrySchedule(scale: 0.5).delay(afterAttempt: 2) == 2.5)
    }
}

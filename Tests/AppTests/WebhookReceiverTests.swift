import Fluent
import Foundation
import OneflowAPI
import SQLKit
import Testing
import Vapor

@testable import App

/// The ack path: checks, exactly-once inbox, nothing stored from a rejected request.
@Suite("Webhook receiver")
struct WebhookReceiverTests {
    @Test("a valid notification is stored with its job before the 200; the signature is not stored")
    func accepted() async throws {
        try await withSyncFixture { f in
            let body = try f.notification(contractID: 77, events: ["contract:sign"], callbackID: "cb-1")
            let page = try await f.post(body)
            #expect(page.status == 200)
            #expect(page.body.contains("accepted"))
            let deliveries = try await f.deliveries()
            #expect(deliveries.count == 1)
            #expect(deliveries[0].callbackID == "cb-1")
            #expect(deliveries[0].oneflowContractID == 77)
            #expect(deliveries[0].eventTypes == "contract:sign")
            #expect(deliveries[0].status == .pending)
            #expect(!deliveries[0].payload.contains("signature"))
            #expect(try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.syncDelivery).count() == 1)
        }
    }

    @Test(
        "rejections store nothing",
        arguments: [
            ("bad signature", 401), ("wrong content type", 415), ("malformed JSON", 400), ("unknown key", 404), ("too large", 413),
            ("empty callback id", 400),
            ("NUL in a signed callback id", 400), ("NUL in the key", 404),
        ])
    func rejected(kind: String, status: Int) async throws {
        try await withSyncFixture { f in
            let good = try f.notification(contractID: 1, events: ["contract:sign"])
            let page: Browser.Page
            switch kind {
            case "bad signature": page = try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], key: "not-our-key"))
            case "wrong content type": page = try await f.post(good, contentType: "text/plain")
            case "malformed JSON": page = try await f.post("{\"contract\": ")
            case "unknown key": page = try await f.post(good, path: "/webhooks/oneflow/nope")
            case "too large": page = try await f.post(String(repeating: " ", count: 300 * 1024) + good)
            case "NUL in a signed callback id":
                page = try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], callbackID: "a\\u0000b"))
            case "NUL in the key": page = try await f.post(good, path: "/webhooks/oneflow/%00")
            default: page = try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], callbackID: ""))
            }
            #expect(page.status == status)
            #expect(try await f.deliveries().isEmpty)
            #expect(try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.syncDelivery).count() == 0)
        }
    }

    @Test("the body must be declared application/json: any case, with or without parameters")
    func declaredJSON() {
        func accepts(_ values: [String]) -> Bool {
            var headers = HTTPHeaders()
            for value in values { headers.add(name: .contentType, value: value) }
            return WebhookReceiver.isJSON(headers)
        }
        for yes in [
            "application/json", "application/json; charset=utf-8", "Application/JSON", " application/json ;charset=UTF-8", "application/json\t",
            "application/json, text/plain",
        ] {
            #expect(accepts([yes]), "\(yes)")
        }
        for no in [
            "", "text/plain", "text/json", "application/jsonx", "application/json-patch+json", "application/vnd.api+json", "application/ json",
            "application/x-www-form-urlencoded", "applicatio/json", "application\u{0F}json",
        ] {
            #expect(!accepts([no]), "\(no)")
        }
        #expect(!accepts([]))
        #expect(accepts(["application/json", "text/plain"]))  // the first header counts, as in Vapor
        #expect(!accepts(["text/plain", "application/json"]))
    }

    @Test("control characters are exactly Unicode's category Cc")
    func controlCharacters() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected = scalar.properties.generalCategory == .control
            if WebhookReceiver.hasControlCharacters(String(Character(scalar))) != expected {
                Issue.record("U+\(String(value, radix: 16)): expected \(expected)")
                return
            }
        }
        #expect(!WebhookReceiver.hasControlCharacters("cb-1 ünïcode ✓"))
        #expect(WebhookReceiver.hasControlCharacters("cb\u{0}1"))
    }

    @Test("the previous sign key is accepted during a rotation, not after")
    func rotation() async throws {
        let clock = ManualClock()
        try await withSyncFixture(["SETUP_SIGN_KEY_GRACE_SECONDS": "3600"], clock: clock) { f in
            let old = try f.signKey
            _ = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).connect(token: f.token, rotateSignKey: true)
            #expect(try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], key: old)).status == 200)
            let installation = try #require(try await Installation.find(f.installation.id, on: f.db))
            installation.previousSignKeyExpiresAt = clock.now.addingTimeInterval(-1)
            try await installation.save(on: f.db)
            // The receiver keeps an installation's keys for a second (WebhookKeyCache).
            clock.advance(by: 1.1)
            #expect(try await f.post(try f.notification(contractID: 1, events: ["contract:sign"], key: old)).status == 401)
        }
    }

    @Test("the same notification 10 times, one after another and all at once: one row, every answer 200")
    func duplicates() async throws {
        try await withSyncFixture { f in
            let body = try f.notification(contractID: 5, events: ["contract:sign"], callbackID: "same")
            for _ in 0..<10 { #expect(try await f.post(body).status == 200) }
            let concurrent = try f.notification(contractID: 6, events: ["contract:sign"], callbackID: "same-concurrent")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<10 { group.addTask { try await f.post(concurrent).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 10))
            #expect(try await f.deliveries().map(\.callbackID).sorted() == ["same", "same-concurrent"])
            #expect(try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.syncDelivery).count() == 2)
        }
    }

    @Test("a disconnected installation's webhook is gone (404)")
    func disconnected() async throws {
        try await withSyncFixture { f in
            let body = try f.notification(contractID: 1, events: ["contract:sign"])
            try await DisconnectService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).disconnect(f.installation, now: Date())
            #expect(try await f.post(body).status == 404)
        }
    }

    @Test("storage that cannot commit answers 503, never 200")
    func storageDown() async throws {
        try await withSyncFixture { f in
            let body = try f.notification(contractID: 1, events: ["contract:sign"])
            // The inbox table is gone: every read and insert of the ack path fails.
            try await (f.db as! any SQLDatabase).raw("ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_away").run()
            let page = try await f.post(body)
            #expect(page.status == 503)
        }
    }
}

@Suite("send-test-webhook")
struct SendTestWebhookTests {
    @Test("a signed sample reaches the running service: 200 and a pending delivery; a wrong key gets 401")
    func send() async throws {
        try await withSyncFixture { f in
            let sender = TestWebhookSender(http: f.r.http)
            let url = f.r.baseURL + f.webhookPath
            let ok = try await sender.send(url: url, signKey: try f.signKey, contractID: 7, type: "contract:sign", callbackID: "tool-1", at: Date())
            #expect(ok.status == 200)
            #expect(try await f.deliveries().first?.callbackID == "tool-1")
            let refused = try await sender.send(url: url, signKey: "wrong", contractID: 7, type: "contract:sign", callbackID: "tool-2", at: Date())
            #expect(refused.status == 401)
            #expect(try await f.deliveries().count == 1)
        }
    }
}

@Suite("Metrics")
struct MetricsTests {
    @Test("/metrics counts received, duplicate, rejected and processed deliveries, ack latency and the queue")
    func exposition() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            let body = try f.notification(contractID: id, events: ["contract:sign"], callbackID: "m-1")
            _ = try await f.post(body)
            _ = try await f.post(body)
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], key: "wrong"))
            let before = try await f.r.browser().get("/metrics")
            #expect(before.status == 200)
            #expect(before.body.contains("hrbridge_jobs_queue_depth"))
            await f.drain()
            let text = try await f.r.browser().get("/metrics").body
            func value(_ series: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            // The sandbox's own notifications count too, so lower bounds for those.
            #expect((value("hrbridge_webhook_deliveries_received_total") ?? 0) >= 1)
            #expect(value("hrbridge_webhook_deliveries_duplicate_total") == 1)
            #expect(value(#"hrbridge_webhook_deliveries_rejected_total{reason="bad_signature"}"#) == 1)
            #expect((value(#"hrbridge_webhook_deliveries_outcome_total{outcome="processed"}"#) ?? 0) >= 1)
            #expect((value("hrbridge_webhook_ack_seconds_count") ?? 0) >= 2)
            #expect(value("hrbridge_jobs_queue_depth") == 0)
            // Each SQLite write and how long it held the write lock: the acknowledgements'
            // commits and the worker's claims and batches. PostgreSQL has no such lock.
            let webhookWrites = value(#"hrbridge_sqlite_write_seconds_count{writer="webhook"}"#) ?? 0
            let workerWrites = value(#"hrbridge_sqlite_write_seconds_count{writer="worker"}"#) ?? 0
            if testsRunOnPostgres {
                #expect(webhookWrites == 0 && workerWrites == 0)
            } else {
                #expect(webhookWrites >= 2)
                #expect(workerWrites >= 1)
            }
        }
    }
}

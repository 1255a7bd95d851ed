import Fluent
import Foundation
import Testing
import Vapor

@testable import App

/// What the outside review found at the edges: the setup token, caching, /metrics, request
/// sizes and deadlines, the sandbox on a real deployment, file modes.
@Suite("Hardening at the edges")
struct HardeningTests {
    @Test(
        "a setup token that cannot be Oneflow's gets the 400 failure page and nothing is stored",
        arguments: [
            String(repeating: "a", count: 60_000), String(repeating: "a", count: 39), String(repeating: "a", count: 39) + "é",
            String(repeating: "a", count: 20) + "%20" + String(repeating: "a", count: 19),
        ])
    func setupTokenChecked(token: String) async throws {
        try await withRunningApp { r in
            // Given a browser at the Setup URL with a value that is no token
            let page = try await r.browser().get("/setup?token=\(token)")
            // Then it gets the failure page, and no session row holds it
            #expect(page.status == 400)
            #expect(page.body.contains("does not look like a Oneflow extension token"))
            #expect(try await BrowserSession.query(on: r.app.db).count() == 0)
            // and the form's paste path answers the same (a form over 16 kB is refused whole: 413)
            let browser = r.browser()
            let csrf = try #require(try await browser.get("/setup").csrfToken)
            let pasted = try await browser.post("/setup", form: ["token": token.removingPercentEncoding ?? token, "csrf_token": csrf])
            #expect(pasted.status == (token.count > 16_000 ? 413 : 400))
            #expect(try await BrowserSession.query(on: r.app.db).count() == 0)
        }
    }

    @Test("a real token with spaces around it is trimmed and kept")
    func setupTokenTrimmed() async throws {
        try await withRunningApp { r in
            let account = try await r.newAccount()
            let page = try await r.browser().get("/setup?token=%20\(account.token)%20")
            #expect(page.status == 303)
            #expect(page.location == "/setup/connect")
        }
    }

    @Test(
        "personal data is not cached: no-store on /api/, /admin/ and /setup answers",
        arguments: [
            ("/api/v1/employees", true), ("/admin/login", true), ("/admin", true), ("/setup", true), ("/setup/complete/x", true),
            ("/", false), ("/css/app.css", false), ("/setupx", false), ("/administrator", false),
        ])
    func noStore(path: String, noStore: Bool) async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, path) { res in
                #expect((res.headers.first(name: .cacheControl) == "no-store") == noStore, "\(path)")
            }
        }
    }

    @Test("a webhook URL's key and a connection link stay out of the log also in a path with empty segments")
    func emptySegments() async throws {
        let logs = LogStore()
        let key = "KEYsecret" + String(repeating: "k", count: 23)
        try await withRunningApp(logs: logs) { r in
            // Given paths that Vapor's router reads without their empty segments (a leading
            // `//` it drops already when it reads the request line)
            let raw = RawHTTP(port: r.port)
            // When
            let webhook = try await raw.exchange(
                "POST /webhooks//oneflow/\(key) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            let link = try await raw.exchange("GET /setup//link/LINKsecret HTTP/1.1\r\nHost: x\r\n\r\n")
            // Then
            #expect(webhook.hasPrefix("HTTP/1.1 ") && link.hasPrefix("HTTP/1.1 "))
        }
        #expect(!logs.all.contains { $0.contains("KEYsecret") || $0.contains("LINKsecret") })
        #expect(logs.all.contains { $0.contains("POST /webhooks/oneflow/… ") })
        #expect(logs.all.contains { $0.contains("GET /setup/link/… ") })
    }

    @Test("metrics.token: /metrics needs it as a bearer token; without it /metrics stays open")
    func metricsToken() async throws {
        try await withTestApp(["METRICS_TOKEN": "scrape-secret"]) { app in
            try await app.testing().test(.GET, "/metrics") { res in #expect(res.status == .unauthorized) }
            try await app.testing().test(.GET, "/metrics", headers: ["Authorization": "Bearer wrong"]) { res in #expect(res.status == .unauthorized) }
            try await app.testing().test(.GET, "/metrics", headers: ["Authorization": "Bearer scrape-secret"]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("hrbridge_"))
            }
        }
        try await withTestApp { app in
            try await app.testing().test(.GET, "/metrics") { res in #expect(res.status == .ok) }
        }
    }

    @Test("a body announced larger than the route takes is 413 on its first bytes")
    func earlyPayloadTooLarge() async throws {
        try await withRunningApp { r in
            for path in ["/webhooks/oneflow/abc", "/admin/login"] {
                // Given a head announcing 10 MB, and the first bytes of its body (Vapor hands a
                // request on with its first body bytes), then more bytes
                let answer = try await RawHTTP(port: r.port).exchange(
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{\"a\":1",
                    trickle: Array("23456789".utf8), interval: .milliseconds(50))
                // Then the answer comes at once, not after the 256 kB or 16 kB the route would read
                #expect(answer.hasPrefix("HTTP/1.1 413"), "\(path): \(answer.prefix(40))")
            }
        }
    }

    @Test("a body trickled byte by byte is cut off at the deadline: 408 at once, and the route never runs")
    func deadline() async throws {
        let logs = LogStore()
        try await withRunningApp(["HTTP_REQUEST_DEADLINE_SECONDS": "1"], logs: logs) { r in
            // Given a sign-in form whose 60-byte body arrives a byte every 100 ms (6 s in all)
            let browser = r.browser()
            let csrf = try #require(try await browser.get("/admin/login").csrfToken)
            let body = "password=wrong-password-123&csrf_token=\(csrf)"
            let answer = try await RawHTTP(port: r.port).exchange(
                "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Cookie: hrbridge_csrf=\(try #require(browser.cookie("hrbridge_csrf")))\r\nContent-Length: \(body.utf8.count)\r\n\r\n",
                trickle: Array(body.utf8), interval: .milliseconds(100))
            // Then the server answered 408 (without the deadline the whole body would have come,
            // and the route answered it: a 408 is the proof, not a stopwatch)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(40))")
        }
        // and the sign-in never ran: its body never arrived whole
        #expect(!logs.all.contains { $0.contains("admin sign-in failed") })
    }

    @Test("a webhook's body, sent whole, passes the limits untouched; a streamed one within the deadline is read for the route")
    func bodiesWithinLimits() async throws {
        try await withSyncFixture { f in
            let contract = try await f.signedContract()
            let notification = try f.notification(contractID: contract, events: ["contract:sign"])
            #expect(try await f.post(notification).status == 200)
            // The same kind of notification trickled in three parts, well within the deadline
            let key = f.installation.webhookKey
            let second = try f.notification(contractID: contract, events: ["contract:sign"], callbackID: "cb-trickled")
            let bytes = Array(second.utf8)
            let answer = try await RawHTTP(port: f.r.port).exchange(
                "POST /webhooks/oneflow/\(key) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n",
                trickle: bytes, interval: .milliseconds(1))
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(60))")
            #expect(try await f.deliveries().contains { $0.callbackID == "cb-trickled" })
        }
    }

    @Test("the sandbox says at start-up that it is mounted")
    func sandboxAnnounced() async throws {
        let logs = LogStore()
        try await withTestApp(logs: logs) { _ in }
        #expect(logs.all.contains { $0.contains("The Oneflow sandbox is mounted at /sandbox") })
        let quiet = LogStore()
        try await withTestApp(["ONEFLOW_BASE_URL": "https://api.oneflow.com"], logs: quiet) { app in
            try await app.testing().test(.GET, "/sandbox") { res in #expect(res.status == .notFound) }
        }
        #expect(!quiet.all.contains { $0.contains("sandbox is mounted") })
    }

    @Test("the SQLite file, its WAL and the sandbox's state file are readable by their owner only")
    func fileModes() async throws {
        let dir = NSTemporaryDirectory() + "hrbridge-modes-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let previous = umask(0o022)
        defer { umask(previous) }
        try await withRunningApp(["DATA_DIR": dir, "DATABASE_URL": ""]) { r in
            _ = try await r.newAccount()  // the sandbox writes its state file
            for file in ["hrbridge.sqlite", "hrbridge.sqlite-wal", "sandbox.json"] {
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/" + file)[.posixPermissions] as? Int)
                #expect(mode == 0o600, "\(file): \(String(mode, radix: 8))")
            }
        }
    }
}

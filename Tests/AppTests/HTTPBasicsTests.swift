import Foundation
import OneflowAPI
import Testing
import VaporTesting

@testable import App

@Suite("HTTP basics: health, errors, logging, pages")
struct HTTPBasicsTests {
    struct Boom: Error {}

    @Test("GET /health answers 200 {\"status\":\"ok\"} when the database answers")
    func healthy() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/health") { res in
                #expect(res.status == .ok)
                let body = try res.content.decode([String: String].self)
                #expect(body["status"] == "ok")
                #expect(res.headers.first(name: .cacheControl) == "no-store")
            }
        }
    }

    @Test("GET /health answers 503 when the database does not")
    func unhealthy() async throws {
        // Nothing listens on port 1: every connection attempt is refused.
        try await withTestApp(["DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?sslmode=disable"]) { app in
            try await app.testing().test(.GET, "/health") { res in
                let body = try res.content.decode([String: String].self)
                #expect(res.status == .serviceUnavailable)
                #expect(body["status"] == "unavailable")
            }
        }
    }

    @Test("unknown paths: JSON for API callers, an HTML page with the real status for browsers")
    func notFound() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/api/v1/nothing", headers: ["Accept": "text/html"]) { res in
                #expect(res.status == .notFound)
                #expect(res.headers.contentType == .json)
                let body = try res.content.decode(AppErrorMiddleware.ErrorBody.self)
                #expect(body.error && body.status == 404)
            }
            try await app.testing().test(.GET, "/nothing", headers: ["Accept": "*/*"]) { res in
                #expect(res.status == .notFound)
                #expect(res.headers.contentType == .json)
            }
            try await app.testing().test(.GET, "/nothing", headers: ["Accept": "text/html,application/xhtml+xml"]) { res in
                #expect(res.status == .notFound)
                #expect(res.headers.contentType == .html)
                #expect(res.body.string.contains("<h1>Not Found</h1>"))
                #expect(res.body.string.contains("/css/app.css"))
            }
        }
    }

    @Test("pages, error pages and JSON answers forbid framing and anything but same-origin resources")
    func securityHeaders() async throws {
        try await withTestApp { app in
            let answers: [(String, HTTPHeaders)] = [
                ("/admin/login", [:]),
                ("/setup", [:]),
                ("/nothing", ["Accept": "text/html"]),
                ("/api/v1/employees", [:]),
                ("/health", [:]),
            ]
            for (path, headers) in answers {
                try await app.testing().test(.GET, path, headers: headers) { res in
                    #expect(res.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                    #expect(res.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true, "\(path)")
                    #expect(res.headers.first(name: "Content-Security-Policy")?.hasPrefix("default-src 'self'") == true, "\(path)")
                    #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                    #expect(res.headers.first(name: "Referrer-Policy") == "same-origin", "\(path)")
                    #expect(res.headers[canonicalForm: "X-Frame-Options"].count == 1, "\(path)")
                }
            }
            // The pages need nothing the policy forbids: no inline script or style, nothing from elsewhere.
            // A script is a file of this site's, empty between its tags.
            let views = try FileManager.default.subpathsOfDirectory(atPath: packageRoot + "/Resources/Views").filter { $0.hasSuffix(".leaf") }
            #expect(!views.isEmpty)
            for view in views {
                let text = try String(contentsOfFile: packageRoot + "/Resources/Views/" + view, encoding: .utf8)
                let scripts = text.ranges(of: "<script").count
                #expect(text.matches(of: /<script src="\/[a-z0-9\/._-]+"( defer)?><\/script>/).count == scripts, "\(view) has an inline script")
                for forbidden in ["<style", "style=", "src=\"http", "src=\"//", "<link rel=\"stylesheet\" href=\"http"] {
                    #expect(!text.contains(forbidden), "\(view) has \(forbidden)")
                }
                #expect(text.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "\(view) has an inline event handler")
            }
        }
    }

    @Test("unexpected errors: 500 with a generic message, logged with their type, no details leaked")
    func internalError() async throws {
        let logs = LogStore()
        try await withTestApp(logs: logs) { app in
            app.get("boom") { _ -> String in throw Boom() }
            try await app.testing().test(.GET, "/boom") { res in
                #expect(res.status == .internalServerError)
                let body = try res.content.decode(AppErrorMiddleware.ErrorBody.self)
                #expect(body.reason == "Something went wrong on our side. It has been logged.")
                #expect(!res.body.string.contains("Boom"))
                #expect(body.requestID != nil)
            }
            #expect(logs.all.contains { $0.contains("request failed") && $0.contains("Boom") })
        }
    }

    @Test("a Oneflow failure is a 502 with a safe message")
    func oneflowFailure() async throws {
        try await withTestApp { app in
            app.get("oneflow") { _ -> String in
                throw OneflowError(kind: .api, endpoint: "GET /ping", status: 500, requestID: "r1", detail: "internal detail")
            }
            try await app.testing().test(.GET, "/oneflow", headers: ["Accept": "text/html"]) { res in
                #expect(res.status == .badGateway)
                #expect(res.headers.contentType == .html)
                #expect(!res.body.string.contains("internal detail"))
                #expect(res.body.string.contains("Oneflow could not be reached"))
            }
        }
    }

    @Test("the setup token never reaches the log; the rest of the request line does")
    func redactedLogs() async throws {
        let logs = LogStore()
        let token = "SECRETtoken" + String(repeating: "x", count: 29)
        try await withTestApp(logs: logs) { app in
            try await app.testing().test(.GET, "/setup?token=\(token)&step=1") { _ in }
            // Near-miss spellings of the parameter are not redacted by name: /setup's query is never logged.
            try await app.testing().test(.GET, "/setup?token[]=\(token)") { _ in }
            try await app.testing().test(.GET, "/setup?tok%65n=\(token)") { _ in }
            try await app.testing().test(.GET, "/health?Token=\(token)") { _ in }
        }
        #expect(!logs.all.contains { $0.contains("SECRETtoken") })
        #expect(logs.all.contains { $0.contains("GET /setup 303") })
        #expect(!logs.all.contains { $0.contains("GET /setup?") })
        #expect(logs.all.contains { $0.contains("/health?Token=REDACTED") })
    }

    @Test("a webhook URL's key never reaches the request log")
    func webhookKeyNotLogged() async throws {
        let logs = LogStore()
        let key = "KEYsecret" + String(repeating: "k", count: 23)
        try await withTestApp(logs: logs) { app in
            try await app.testing().test(.POST, "/webhooks/oneflow/\(key)", headers: ["content-type": "application/json"], body: .init(string: "{}"))
            { _ in }
        }
        #expect(!logs.all.contains { $0.contains("KEYsecret") })
        #expect(logs.all.contains { $0.contains("POST /webhooks/oneflow/… ") })
    }

    @Test("the home page says it runs against the sandbox, or names the real Oneflow")
    func home() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Running against the Oneflow sandbox"))
                #expect(res.body.string.contains("http://127.0.0.1:8080/setup"))
                #expect(res.body.string.contains("href=\"/sandbox\""))
            }
        }
        try await withTestApp(["ONEFLOW_BASE_URL": "https://api.oneflow.com", "PUBLIC_BASE_URL": "https://hr.example.com"]) { app in
            try await app.testing().test(.GET, "/") { res in
                #expect(res.body.string.contains("Connected to Oneflow"))
                #expect(res.body.string.contains("https://api.oneflow.com/v1"))
                #expect(res.body.string.contains("https://hr.example.com/setup"))
            }
        }
    }

    @Test("the stylesheet and logo are served")
    func assets() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/css/app.css") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("--brand"))
            }
            try await app.testing().test(.GET, "/img/logo.svg") { res in #expect(res.status == .ok) }
        }
    }

    @Test("paths the file system cannot hold are a 404, not a 500 (found by scripts/fuzz)")
    func overlongPaths() async throws {
        try await withTestApp { app in
            for path in ["/webhooks/oneflow/" + String(repeating: "x", count: 5000), "/css/" + String(repeating: "a", count: 300) + ".css"] {
                try await app.testing().test(.GET, path) { res in #expect(res.status == .notFound) }
                // The webhook route itself answers: no content type is a 415, and never a 500.
                try await app.testing().test(.POST, path) { res in #expect(res.status == .unsupportedMediaType || res.status == .notFound) }
            }
        }
    }

    @Test("the HR API is read-only: other methods, even unknown ones, are 405 with Allow", arguments: ["POST", "DELETE", "QUERY", "TRACE"])
    func readOnlyAPI(method: String) async throws {
        try await withTestApp(["API_KEYS": testAPIKey]) { app in
            try await app.testing().test(HTTPMethod(rawValue: method), "/api/v1/employees", headers: ["Authorization": "Bearer \(testAPIKey)"]) {
                res in
                #expect(res.status == .methodNotAllowed)
                #expect(res.headers.first(name: "Allow") == "GET, HEAD")
            }
        }
    }

    @Test(
        "query redaction",
        arguments: [
            ("/setup?token=abc", "/setup?token=REDACTED"),
            ("/x?a=1&token=abc&b=2", "/x?a=1&token=REDACTED&b=2"),
            ("/x?TOKEN=abc", "/x?TOKEN=REDACTED"),
            ("/x?%74oken=abc", "/x?%74oken=REDACTED"),
            ("/x?token", "/x?token=REDACTED"),
            ("/x?tokens=abc", "/x?tokens=abc"),
            ("/x", "/x"),
        ])
    func redaction(input: String, expected: String) {
        #expect(Redaction.url(input) == expected)
    }

    @Test("a configured token parameter name is redacted too")
    func customParameter() {
        #expect(Redaction.url("/setup?ext_token=abc", extraSensitive: ["ext_token"]) == "/setup?ext_token=REDACTED")
    }
}

@Suite("Log redaction")
struct LogRedactionTests {
    @Test(
        "secrets in query strings, headers and JSON are redacted",
        arguments: [
            (#"uri: "/setup?token=abc123&x=1""#, #"uri: "/setup?token=REDACTED&x=1""#),
            ("headers: x-oneflow-api-token: abc123; accept: text/html", "headers: x-oneflow-api-token: REDACTED; accept: text/html"),
            ("Authorization: Bearer k-123", "Authorization: REDACTED"),
            (#"{"callback_id":"c1","signature":"deadbeef"}"#, #"{"callback_id":"c1","signature":"REDACTED"}"#),
            (#"{"sign_key": "s3cr3t"}"#, #"{"sign_key": "REDACTED"}"#),
            ("nothing secret here", "nothing secret here"),
            ("the key phrase", "the key phrase"),
        ])
    func redacts(input: String, expected: String) {
        #expect(LogRedaction.redact(input) == expected)
    }

    @Test("the wrapper redacts messages and metadata on their way to the real handler")
    func wrapper() {
        let store = LogStore()
        let logger = Logger(label: "t") { _ in RedactingLogHandler(wrapping: CapturingLogHandler(store: store)) }
        logger.info("GET /setup?token=abc", metadata: ["head": "x-oneflow-api-token: abc"])
        #expect(store.all == ["info GET /setup?token=REDACTED head=x-oneflow-api-token: REDACTED"])
    }

    @Test("below info, only our own modules' lines are written: the libraries' quote bound values and bodies")
    func libraryDebugDropped() {
        // Given a logger at trace behind the wrapper
        let store = LogStore()
        var logger = Logger(label: "t") { _ in RedactingLogHandler(wrapping: CapturingLogHandler(store: store)) }
        logger.logLevel = .trace
        // When a driver and our code log at debug and trace, and a driver at info
        logger.debug(#"SELECT … [$1: "Jane Doe", $2: "42000 SEK"]"#, source: "PostgresKit")
        logger.trace("input: [name: Jane Doe]", source: "FluentKit")
        logger.debug("head: cookie", source: "Vapor")
        logger.debug("oneflow call", source: "OneflowAPI")
        logger.debug("worker claimed 3 jobs", source: "App")
        logger.info("Opening new connection", source: "AsyncKit")
        // Then only ours and the info line are written
        #expect(store.all == ["debug oneflow call ", "debug worker claimed 3 jobs ", "info Opening new connection "])
    }
}

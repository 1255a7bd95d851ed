import AsyncHTTPClient
import Foundation
import NIOCore
import OneflowAPI
import Synchronization
import TestSupport
import Testing
import Vapor

@testable import App

/// An app served on a real loopback port — so its own Oneflow client reaches the sandbox
/// mounted in it — with a browser that keeps cookies and follows no redirect by itself.
struct RunningApp: Sendable {
    let app: Application
    let port: Int
    let http: HTTPClient

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func browser() -> Browser { Browser(base: baseURL, http: http) }

    /// A sandbox account, as `/sandbox/control/accounts` makes it.
    func newAccount(_ name: String = "Acme AB") async throws -> (id: Int, token: String) {
        let page = try await browser().send(.POST, "/sandbox/control/accounts", json: ["name": name])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
        return (try #require(json["account_id"] as? Int), try #require(json["token"] as? String))
    }

    func control(_ path: String, json: [String: Any] = [:]) async throws -> Browser.Page {
        try await browser().send(.POST, "/sandbox/control" + path, json: json)
    }

    var oneflow: any OneflowClient { app.services.oneflow }
}

func withRunningApp(
    _ overrides: [String: String] = [:], logs: LogStore? = nil, worker: Bool = false, clock: any AppClock = SystemClock(),
    _ body: (RunningApp) async throws -> Void
) async throws {
    // The port must be known before the app is configured (the embedded sandbox's URL and our
    // webhook URLs derive from it), so a free one is picked first — and another test running
    // in parallel may take it before we bind. Then we try again with another.
    struct PortTaken: Error {}
    for attempt in 1...5 {
        let port = try freePort()
        do {
            try await withTestApp(overrides.merging(["HTTP_PORT": String(port)]) { _, new in new }, logs: logs, worker: worker, clock: clock) { app in
                // Boot runs the lifecycle handlers (sandbox deliveries, the worker when asked), as `serve` does.
                try await app.asyncBoot()
                do {
                    try await app.server.start(address: .hostname("127.0.0.1", port: port))
                } catch {
                    throw PortTaken()
                }
                let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(redirectConfiguration: .disallow))
                do {
                    try await body(RunningApp(app: app, port: port, http: http))
                } catch {
                    try? await http.shutdown()
                    await app.server.shutdown()
                    throw error
                }
                try await http.shutdown()
                await app.server.shutdown()
            }
            return
        } catch is PortTaken where attempt < 5 {
            continue
        }
    }
}

/// A minimal browser: keeps cookies, shows each response, follows redirects only when asked.
final class Browser: Sendable {
    struct Page: Sendable {
        var status: Int
        var location: String?
        var body: String
        var headers: HTTPHeaders = [:]

        /// The CSRF token of the page's form.
        var csrfToken: String? {
            guard let range = body.range(of: #"name="csrf_token" value=""#) else { return nil }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    let base: String
    let http: HTTPClient
    private let cookies = Mutex<[String: String]>([:])

    init(base: String, http: HTTPClient) {
        self.base = base
        self.http = http
    }

    func get(_ path: String) async throws -> Page { try await send(.GET, path) }

    /// A cookie the browser holds, by name.
    func cookie(_ name: String) -> String? { cookies.withLock { $0[name] } }

    /// Sets a cookie as if a server (or an attacker, planting one) had.
    func setCookie(_ name: String, _ value: String) { cookies.withLock { $0[name] = value } }

    func post(_ path: String, form: [String: String]) async throws -> Page {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await send(.POST, path, body: body, contentType: "application/x-www-form-urlencoded")
    }

    /// Follows redirects (as GETs, like a browser after 303) until a page that is not one.
    func follow(_ page: Page) async throws -> Page {
        var page = page
        var hops = 0
        while (300..<400).contains(page.status), let location = page.location, hops < 10 {
            page = try await get(location.hasPrefix("http") ? String(location.dropFirst(base.count)) : location)
            hops += 1
        }
        return page
    }

    func send(_ method: HTTPMethod, _ path: String, json: [String: Any]) async throws -> Page {
        try await send(
            method, path, body: String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self), contentType: "application/json")
    }

    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String? = nil, headers: [String: String] = [:]) async throws
        -> Page
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "accept", value: "text/html")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let jar = cookies.withLock { $0 }
        if !jar.isEmpty { request.headers.add(name: "cookie", value: jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let body {
            request.body = .bytes(ByteBuffer(string: body))
            if let contentType { request.headers.add(name: "content-type", value: contentType) }
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        for header in response.headers["set-cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { cookies.withLock { $0[pair[0]] = pair[1] } }
        }
        let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
        return Page(
            status: Int(response.status.code), location: response.headers.first(name: "location"), body: String(buffer: bytes),
            headers: response.headers)
    }
}

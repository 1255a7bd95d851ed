import Foundation
import OneflowAPI
import Testing
import VaporTesting

@testable import App

@Suite("The sandbox inside hrbridge serve")
struct SandboxWiringTests {
    @Test("the Marketplace page shows our extension; Enable redirects to our Setup URL with a 40-character token")
    func marketplace() async throws {
        try await withTestApp(["PUBLIC_BASE_URL": "https://hr.example.com", "SANDBOX_ENABLED": "true"]) { app in
            try await app.testing().test(.GET, "/sandbox") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Enable extension"))
                #expect(res.body.string.contains("https://hr.example.com/setup"))
            }
            try await app.testing().test(
                .POST, "/sandbox/marketplace/enable",
                beforeRequest: { req in
                    try req.content.encode(["account": "new", "name": "Acme AB"], as: .urlEncodedForm)
                }
            ) { res in
                #expect(res.status == .seeOther)
                let location = try #require(res.headers.first(name: .location))
                #expect(location.hasPrefix("https://hr.example.com/setup?token="))
                #expect(location.dropFirst("https://hr.example.com/setup?token=".count).count == 40)
            }
        }
    }

    @Test("a configured token parameter name is used in the redirect")
    func tokenParameter() async throws {
        try await withTestApp(["SETUP_TOKEN_PARAMETER": "extension_token"]) { app in
            try await app.testing().test(
                .POST, "/sandbox/marketplace/enable",
                beforeRequest: { req in
                    try req.content.encode(["account": "new"], as: .urlEncodedForm)
                }
            ) { res in
                #expect(res.headers.first(name: .location)?.contains("/setup?extension_token=") == true)
            }
        }
    }

    @Test("the contracts and deliveries pages render, with and without an account")
    func pages() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "/sandbox/contracts") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("No sandbox account yet"))
            }
            try await app.testing().test(
                .POST, "/sandbox/control/accounts",
                beforeRequest: { req in
                    try req.content.encode(["name": "Acme AB"])
                }
            ) { res in #expect(res.status == .ok) }
            try await app.testing().test(.GET, "/sandbox/contracts") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Acme AB"))
                #expect(res.body.string.contains("no template groups yet"))
            }
            try await app.testing().test(.GET, "/sandbox/deliveries") { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Nothing sent yet"))
            }
        }
    }

    @Test("the app's own Oneflow client talks to the mounted sandbox over loopback")
    func clientReachesSandbox() async throws {
        try await withRunningApp { r in
            let created = try await r.newAccount("Loop AB")
            let credentials = OneflowCredentials(token: created.token)
            try await r.app.services.oneflow.ping(credentials)
            let account = try await r.app.services.oneflow.currentAccount(credentials)
            #expect(account.name == "Loop AB")
        }
    }

    @Test("with oneflow.base_url set, no sandbox is mounted")
    func realOneflow() async throws {
        try await withTestApp(["ONEFLOW_BASE_URL": "https://api.oneflow.com"]) { app in
            #expect(app.sandbox == nil)
            try await app.testing().test(.GET, "/sandbox", headers: ["Accept": "text/html"]) { res in
                #expect(res.status == .notFound)
            }
        }
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import OneflowAPI
import Testing

@testable import OneflowSandbox

/// Where the sandbox answered unlike Oneflow's documented shape, and now does not.
@Suite("Sandbox conformance")
struct SandboxConformanceTests {
    func get(_ h: SandboxHarness, _ path: String, token: String) async throws -> (Int, [String: Any]) {
        let (status, body) = try await h.api(.GET, path, token: token)
        return (status, (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:])
    }

    @Test("a bad token is 401 on every path, known or not; a good token on an unknown path is 404")
    func authenticationFirst() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let bad = String(repeating: "x", count: 40)
            for path in ["/contracts/1", "/no/such/thing", "/templates", "/contracts/create"] {
                let (status, body) = try await get(h, path, token: bad)
                #expect(status == 401, "\(path)")
                #expect(body["error_code"] as? Int == 4_010_000, "\(path)")
            }
            #expect(try await get(h, "/no/such/thing", token: credentials.token).0 == 404)
        }
    }

    @Test("paged links keep the query's filters and sort, and previous is null on the first page")
    func pagedLinks() async throws {
        try await withSandbox { h in
            // Given three templates in the account
            let setup = try await ExtensionSetup.make(h)
            let hr = try #require(try await h.client.allWorkspaces(setup.admin).first)
            let _: SandboxJSON.Template = try await h.control(
                .POST, "/templates", ["token": setup.token, "workspace_id": hr.id, "name": "Offer letter"])

            // When they are read one at a time, sorted by name
            let (_, first) = try await get(h, "/templates?sort=name&filter[active]=true&limit=1", token: setup.token)
            let (_, second) = try await get(h, "/templates?sort=name&filter[active]=true&limit=1&offset=1", token: setup.token)

            // Then each link repeats sort and filter with the next offsets
            let links = try #require(first["_links"] as? [String: [String: Any]])
            #expect(links["previous"]?["href"] is NSNull)
            let next = try #require(links["next"]?["href"] as? String)
            #expect(next.contains("sort=name"))
            #expect(next.contains("filter%5Bactive%5D=true") || next.contains("filter[active]=true"))
            #expect(next.hasSuffix("limit=1&offset=1"))
            let back = try #require((second["_links"] as? [String: [String: Any]])?["previous"]?["href"] as? String)
            #expect(back.hasSuffix("limit=1&offset=0"))
            #expect(first["count"] as? Int == 3)
        }
    }
}

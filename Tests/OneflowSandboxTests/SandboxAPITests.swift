import Foundation
import OneflowAPI
import Testing

@testable import OneflowSandbox

/// The sandbox's API behaves as Oneflow documents it, seen through our real client.
@Suite("Sandbox API")
struct SandboxAPITests {
    @Test("tokens are 40 characters; ping and accounts/me answer for a valid one")
    func tokens() async throws {
        try await withSandbox { h in
            let (credentials, account) = try await h.newAccount("Acme AB")
            #expect(credentials.token.count == 40)
            #expect(credentials.tokenLooksValid)
            try await h.client.ping(credentials)
            let me = try await h.client.currentAccount(credentials)
            #expect(me.id == account.account_id)
            #expect(me.name == "Acme AB")
        }
    }

    @Test("a missing or unknown token gets 401 with Oneflow's error body")
    func unauthorized() async throws {
        try await withSandbox { h in
            let error = try await #require(throws: OneflowError.self) {
                try await h.client.ping(OneflowCredentials(token: String(repeating: "x", count: 40)))
            }
            #expect(error.status == 401)
            #expect(error.errorCode == 4_010_000)
            #expect(error.requestID?.isEmpty == false)
            #expect(error.title == "Unauthorized")
            #expect(error.isUnauthorized)

            // The raw body has every documented field.
            // No token header at all.
            let request = HTTPClientRequestBuilder.get(h.baseURL + "/sandbox/oneflow/v1/ping")
            let (status, body) = try await HTTPClientRequestBuilder.send(request, with: h.http)
            #expect(status == 401)
            let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(Set(json.keys) == ["error_code", "detail", "parameter_problems", "request_id", "status", "title", "type"])
            #expect(json["type"] as? String == "https://api.oneflow.com/v1/error_codes/4010000")
        }
    }

    @Test("an x-oneflow-user-email that is not a user of the account gets 401")
    func userEmail() async throws {
        try await withSandbox { h in
            let (credentials, account) = try await h.newAccount()
            try await h.client.ping(OneflowCredentials(token: credentials.token, userEmail: account.user_emails[0]))
            let error = await #expect(throws: OneflowError.self) {
                try await h.client.ping(OneflowCredentials(token: credentials.token, userEmail: "stranger@example.com"))
            }
            #expect(error?.status == 401)
        }
    }

    @Test("unknown API paths are Oneflow 404s")
    func unknownPath() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let error = try await #require(throws: OneflowError.self) { try await h.client.contract(credentials, id: 424242) }
            #expect(error.status == 404)
            #expect(error.errorCode == 4_040_000)
        }
    }

    @Test("the data-field PUT replaces the whole set: absent fields are deleted, kept ones keep their id")
    func dataFieldOverwrite() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "HR Bridge", description: "ours"))
            let first = try await h.client.replaceDataFields(
                credentials, templateTypeID: type.id,
                [
                    DataFieldInput(customID: "a", name: "A"), DataFieldInput(customID: "b", name: "B"), DataFieldInput(customID: "c", name: "C"),
                ])
            #expect(first.map(\.customID) == ["a", "b", "c"])
            let idOfB = first[1].id

            let second = try await h.client.replaceDataFields(
                credentials, templateTypeID: type.id,
                [
                    DataFieldInput(customID: "b", name: "B renamed", placeholder: "p"), DataFieldInput(customID: "d", name: "D"),
                ])
            #expect(second.map(\.customID) == ["b", "d"])
            #expect(second[0].id == idOfB)
            #expect(second[0].name == "B renamed")
            let fetched = try await h.client.templateType(credentials, id: type.id)
            #expect(fetched.dataFields?.map(\.customID) == ["b", "d"])

            let emptied = try await h.client.replaceDataFields(credentials, templateTypeID: type.id, [])
            #expect(emptied.isEmpty)
        }
    }

    @Test("data-field values are limited to 1,024 characters; custom ids must be unique")
    func dataFieldLimits() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let type = try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "T"))
            _ = try await h.client.replaceDataFields(
                credentials, templateTypeID: type.id,
                [
                    DataFieldInput(customID: "ok", name: "OK", value: String(repeating: "v", count: 1024))
                ])
            let tooLong = try await #require(throws: OneflowError.self) {
                try await h.client.replaceDataFields(
                    credentials, templateTypeID: type.id,
                    [
                        DataFieldInput(customID: "x", name: "X", value: String(repeating: "v", count: 1025))
                    ])
            }
            #expect(tooLong.status == 400)
            #expect(tooLong.parameterProblems["data_fields[0].value"] != nil)
            let duplicate = await #expect(throws: OneflowError.self) {
                try await h.client.replaceDataFields(
                    credentials, templateTypeID: type.id,
                    [
                        DataFieldInput(customID: "x", name: "X"), DataFieldInput(customID: "x", name: "Y"),
                    ])
            }
            #expect(duplicate?.status == 400)
            // A failed PUT changed nothing.
            #expect(try await h.client.templateType(credentials, id: type.id).dataFields?.map(\.customID) == ["ok"])
        }
    }

    @Test("lists use the pagination envelope: total count, a page of data, limit bounds")
    func pagination() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            var ids: [Int] = []
            for n in 1...5 { ids.append(try await h.client.createTemplateType(credentials, TemplateTypeInput(name: "Type \(n)")).id) }
            let page = try await h.client.templateTypes(credentials, offset: 2, limit: 2)
            #expect(page.count == 5)
            #expect(page.data.map(\.id) == Array(ids[2...3]))
            #expect(page.links?.next?.href != nil)
            #expect(page.links?.previous?.href != nil)
            let last = try await h.client.templateTypes(credentials, offset: 4, limit: 2)
            #expect(last.data.map(\.id) == [ids[4]])
            #expect(last.links?.next?.href == nil)
            #expect(try await h.client.allTemplateTypes(credentials).map(\.id) == ids)
            for limit in [0, 101] {
                let error = await #expect(throws: OneflowError.self) { try await h.client.templateTypes(credentials, offset: 0, limit: limit) }
                #expect(error?.status == 400)
                #expect(error?.parameterProblems["limit"] != nil)
            }
        }
    }

    @Test("another account's objects are invisible")
    func isolation() async throws {
        try await withSandbox { h in
            let (acme, _) = try await h.newAccount("Acme")
            let (beta, _) = try await h.newAccount("Beta")
            let type = try await h.client.createTemplateType(acme, TemplateTypeInput(name: "Acme only"))
            #expect(try await h.client.allTemplateTypes(beta).isEmpty)
            let error = await #expect(throws: OneflowError.self) { try await h.client.templateType(beta, id: type.id) }
            #expect(error?.status == 404)
        }
    }

    @Test("injected faults: a 429 with Oneflow's rate-limit body, then normal service")
    func faults() async throws {
        try await withSandbox { h in
            let (credentials, _) = try await h.newAccount()
            let _: [String: String]? = try? await h.control(.POST, "/faults", ["method": "GET", "path": "/ping", "status": 429, "count": 1])
            let error = try await #require(throws: OneflowError.self) { try await h.client.ping(credentials) }
            #expect(error.isRateLimited)
            #expect(error.errorCode == 4_290_000)
            #expect(error.isRetryable)
            try await h.client.ping(credentials)
            let _: [String: String]? = try? await h.control(.POST, "/faults", ["path": "/template_types", "status": 503, "count": 2])
            for _ in 0..<2 {
                let outage = await #expect(throws: OneflowError.self) { try await h.client.templateTypes(credentials, offset: 0, limit: 10) }
                #expect(outage?.status == 503)
            }
            _ = try await h.client.templateTypes(credentials, offset: 0, limit: 10)
        }
    }

    @Test("the rate limit: a token's calls past it in the window are 429 with Oneflow's body; another token's are not")
    func rateLimit() async throws {
        try await withSandbox { h in
            // Given two accounts and a limit of 3 calls per token per minute
            let (first, _) = try await h.newAccount()
            let (second, _) = try await h.newAccount()
            let limit: [String: Int] = try await h.control(.PUT, "/rate-limit", ["calls": 3, "window_seconds": 60])
            #expect(limit == ["calls": 3, "window_seconds": 60])

            // When the first token calls four times
            for _ in 0..<3 { try await h.client.ping(first) }
            let error = try await #require(throws: OneflowError.self) { try await h.client.ping(first) }

            // Then the fourth is Oneflow's 429, and the other token still gets through
            #expect(error.status == 429)
            #expect(error.errorCode == 4_290_000)
            #expect(error.isRateLimited)
            try await h.client.ping(second)
        }
    }

    @Test("the rate limit's window: a token is admitted again once its window has passed")
    func rateLimitWindow() async {
        // Given a limit of 2 calls per 10 seconds, spent at the start of a window
        let limiter = SandboxRateLimiter(SandboxRateLimit(calls: 2, window: .seconds(10)))
        let start = ContinuousClock.now
        #expect(await limiter.admit(token: "a", now: start))
        #expect(await limiter.admit(token: "a", now: start + .seconds(1)))
        // Then a third call in the window is refused, and one after it is admitted
        #expect(await !limiter.admit(token: "a", now: start + .seconds(9)))
        #expect(await limiter.admit(token: "a", now: start + .seconds(10)))
        // and a limit of 0 counts nothing
        await limiter.set(.off)
        for _ in 0..<10 { #expect(await limiter.admit(token: "a", now: start)) }
    }

    @Test("the rate limit is Oneflow's by default: 2,000 calls per token per five minutes")
    func rateLimitDefault() async throws {
        try await withSandbox { h in
            let limit: [String: Int] = try await h.control(.GET, "/rate-limit")
            #expect(limit == ["calls": 2000, "window_seconds": 300])
        }
    }
}

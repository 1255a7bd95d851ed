import AsyncHTTPClient
import Foundation
import Logging
import Testing

@testable import OneflowAPI

@Suite("OneflowHTTPClient against a local stub")
struct OneflowHTTPClientTests {
    static let token = String(repeating: "t", count: 39) + "Z"
    let credentials = OneflowCredentials(token: token, userEmail: "admin@acme.example")

    func withClient(
        _ responses: [String: StubServer.Canned], timeout: Int64 = 30,
        _ body: (OneflowHTTPClient, StubServer) async throws -> Void
    ) async throws {
        try await withStubClient(responses, timeout: timeout, body)
    }

    @Test("sends the token and user email headers to /v1 paths")
    func headers() async throws {
        try await withClient(["GET /v1/ping": .json("{}"), "GET /v1/accounts/me": .json(Fixtures.account)]) { client, stub in
            try await client.ping(credentials)
            let account = try await client.currentAccount(credentials)
            #expect(account.id == 8123)
            let requests = stub.requests
            #expect(requests.map(\.path) == ["/v1/ping", "/v1/accounts/me"])
            #expect(requests.allSatisfy { $0.headers["x-oneflow-api-token"] == Self.token })
            #expect(requests.allSatisfy { $0.headers["x-oneflow-user-email"] == "admin@acme.example" })
            #expect(requests.allSatisfy { $0.headers["accept"] == "application/json" })
        }
    }

    @Test("without a user email, no email header is sent (Oneflow's anonymous admin)")
    func noEmail() async throws {
        try await withClient(["GET /v1/ping": .json("{}")]) { client, stub in
            try await client.ping(OneflowCredentials(token: Self.token, userEmail: ""))
            #expect(stub.requests.first?.headers["x-oneflow-user-email"] == nil)
        }
    }

    @Test("Oneflow's error body becomes a typed error without the token")
    func errorBody() async throws {
        try await withClient(["GET /v1/contracts/9": .json(Fixtures.notFoundError, status: .notFound)]) { client, _ in
            let error = try await #require(throws: OneflowError.self) { try await client.contract(credentials, id: 9) }
            #expect(error.kind == .api)
            #expect(error.status == 404)
            #expect(error.errorCode == 4_040_000)
            #expect(error.requestID == "Bp1JbY53xq")
            #expect(error.isNotFound)
            #expect(!error.isRetryable)
            #expect(error.endpoint == "GET /contracts/9")
            #expect(!"\(error)".contains(Self.token))
            #expect("\(error)".contains("request_id Bp1JbY53xq"))
        }
    }

    @Test("400 with parameter problems names them")
    func validation() async throws {
        try await withClient(["POST /v1/webhooks": .json(Fixtures.validationError, status: .badRequest)]) { client, stub in
            let input = WebhookInput(callbackURL: "http://insecure", signKey: "k", templateGroupID: 1, filters: nil)
            let error = try await #require(throws: OneflowError.self) { try await client.createWebhook(credentials, input) }
            #expect(error.parameterProblems["callback_url"] == "Must be https.")
            #expect("\(error)".contains("callback_url: Must be https."))
            #expect(stub.requests.first?.headers["content-type"] == "application/json")
        }
    }

    @Test(
        "429 and 5xx are retryable; 401 is not, and says so",
        arguments: [
            (429, true, false), (500, true, false), (503, true, false), (401, false, true), (403, false, false),
        ])
    func retryable(status: Int, retryable: Bool, unauthorized: Bool) async throws {
        let body = status == 429 ? Fixtures.rateLimited : #"{"status": \#(status), "title": "x", "request_id": "r"}"#
        try await withClient(["GET /v1/ping": .json(body, status: .init(statusCode: status))]) { client, _ in
            let error = try await #require(throws: OneflowError.self) { try await client.ping(credentials) }
            #expect(error.status == status)
            #expect(error.isRetryable == retryable)
            #expect(error.isUnauthorized == unauthorized)
            #expect(error.isRateLimited == (status == 429))
        }
    }

    @Test("a non-JSON error page still gives a typed error")
    func htmlError() async throws {
        let html = StubServer.Canned(status: .badGateway, body: "<html>bad gateway</html>", headers: ["content-type": "text/html"])
        try await withClient(["GET /v1/ping": html]) { client, _ in
            let error = try await #require(throws: OneflowError.self) { try await client.ping(credentials) }
            #expect(error.status == 502)
            #expect(error.errorCode == nil)
            #expect(error.isRetryable)
        }
    }

    @Test("every call has a deadline: a slow Oneflow is a retryable transport error")
    func deadline() async throws {
        // The stub answers `{}` after 5 s: without the 1 s deadline the call would succeed. The
        // error is the proof, not a stopwatch (a loaded machine stretches any measured time).
        try await withClient(["GET /v1/ping": .json("{}", delay: .seconds(5))], timeout: 1) { client, _ in
            let error = try await #require(throws: OneflowError.self) { try await client.ping(credentials) }
            #expect(error.kind == .transport)
            #expect(error.isRetryable)
        }
    }

    @Test("nothing listening: a retryable transport error")
    func connectionRefused() async throws {
        let http = OneflowHTTPClient.makeHTTPClient()
        let client = OneflowHTTPClient(baseURL: "http://127.0.0.1:1", http: http, timeout: .seconds(5))
        let error = await #expect(throws: OneflowError.self) { try await client.ping(credentials) }
        #expect(error?.kind == .transport)
        #expect(error?.isRetryable == true)
        try await http.shutdown()
    }

    @Test("a 200 with an unexpected body is a decoding error naming the field")
    func decoding() async throws {
        try await withClient(["GET /v1/accounts/me": .json(#"{"name": "no id"}"#)]) { client, _ in
            let error = try await #require(throws: OneflowError.self) { try await client.currentAccount(credentials) }
            #expect(error.kind == .decoding)
            #expect(error.detail.contains("id"))
        }
    }

    @Test("template types page through the envelope")
    func allTemplateTypes() async throws {
        try await withClient(["GET /v1/template_types": .json(Fixtures.templateTypesPage)]) { client, stub in
            let page = try await client.templateTypes(credentials, offset: 0, limit: 100)
            #expect(page.count == 3)
            #expect(stub.requests.first?.query == "offset=0&limit=100")
        }
    }

    @Test("data-field PUT sends the complete set under data_fields")
    func replaceDataFields() async throws {
        try await withClient(["PUT /v1/template_types/12222/data_fields": .json(Fixtures.dataFieldsResponse)]) { client, stub in
            let fields = try await client.replaceDataFields(
                credentials, templateTypeID: 12222,
                [
                    DataFieldInput(customID: "employee_number", name: "Employee number", placeholder: "e.g. 10023"),
                    DataFieldInput(customID: "start_date", name: "Start date"),
                ])
            #expect(fields.count == 2)
            let sent = try JSONDecoder().decode(DataFieldSet<DataFieldInput>.self, from: Data(try #require(stub.requests.first).body.utf8))
            #expect(sent.dataFields.map(\.customID) == ["employee_number", "start_date"])
            #expect(sent.dataFields[0].placeholder == "e.g. 10023")
        }
    }

    @Test("webhooks: list (bare or enveloped), create, update, delete")
    func webhooks() async throws {
        let created = #"{"webhook_id": 77, "callback_url": "https://h.example/w/k", "sign_key": "sk", "template_group_id": 5, "filters": []}"#
        try await withClient([
            "GET /v1/webhooks": .json(Fixtures.webhooksBare),
            "POST /v1/webhooks": .json(created),
            "PUT /v1/webhooks/77": .json(created),
            "DELETE /v1/webhooks/77": .json("{}"),
            "GET /v1/webhooks/77": .json(created),
        ]) { client, stub in
            let listed = try await client.webhooks(credentials)
            let input = WebhookInput(
                callbackURL: "https://h.example/w/k", signKey: "sk", templateGroupID: 5, filters: [.eventTypes(["contract:sign"])])
            let made = try await client.createWebhook(credentials, input)
            let updated = try await client.updateWebhook(credentials, id: 77, input)
            let fetched = try await client.webhook(credentials, id: 77)
            #expect(listed.map(\.id) == [55])
            #expect(made.id == 77)
            #expect(updated.signKey == "sk")
            #expect(fetched.templateGroupID == 5)
            try await client.deleteWebhook(credentials, id: 77)
            #expect(stub.requests.map(\.method) == ["GET", "POST", "PUT", "GET", "DELETE"])
        }
    }

    @Test("contract list sends offset, limit, sort and filters")
    func contractList() async throws {
        try await withClient(["GET /v1/contracts": .json(#"{"count": 0, "data": [], "_links": {}}"#)]) { client, stub in
            let query = ContractQuery(offset: 100, limit: 50, sort: ["-state_updated_time"], filters: ["state": "signed"])
            let page = try await client.contracts(credentials, query: query)
            #expect(page.count == 0)
            let sent = try #require(stub.requests.first?.query)
            #expect(sent == "offset=100&limit=50&sort=-state_updated_time&filter%5Bstate%5D=signed")
        }
    }

    @Test("contract data fields, events and files")
    func contractChildren() async throws {
        try await withClient([
            "GET /v1/contracts/3/data_fields": .json(#"{"count": 1, "data": [{"id": 1, "value": "x", "_private_ownerside": {"custom_id": "a"}}]}"#),
            "GET /v1/contracts/3/events": .json(
                #"{"count": 1, "data": [{"id": 9, "type": "contract:sign", "created_time": "2025-01-01T00:00:00+0000"}]}"#),
            "GET /v1/contracts/3/files": .json(#"{"count": 1, "data": [{"id": 4, "name": "contract", "type": "contract", "extension": "pdf"}]}"#),
        ]) { client, _ in
            let fields = try await client.contractDataFields(credentials, contractID: 3)
            let events = try await client.contractEvents(credentials, contractID: 3, offset: 0, limit: 100)
            let files = try await client.contractFiles(credentials, contractID: 3)
            #expect(fields.first?.customID == "a")
            #expect(events.data.first?.type == .contractSign)
            #expect(files.first?.type == .contract)
        }
    }

    @Test("file download returns the bytes")
    func download() async throws {
        let pdf = StubServer.Canned(status: .ok, body: "%PDF-1.4 test", headers: ["content-type": "application/pdf"])
        try await withClient(["GET /v1/contracts/3/files/4": pdf]) { client, stub in
            let file = try await client.downloadFile(credentials, contractID: 3, fileID: 4)
            #expect(String(decoding: file.data, as: UTF8.self) == "%PDF-1.4 test")
            #expect(file.contentType == "application/pdf")
            #expect(stub.requests.first?.query == "download=true")
        }
    }

    @Test("a download redirect is followed once, without sending our token to the storage host")
    func downloadRedirect() async throws {
        let storage = try await StubServer.start([
            "GET /bucket/file.pdf": StubServer.Canned(status: .ok, body: "%PDF-1.7 stored", headers: ["content-type": "application/pdf"])
        ])
        let redirect = StubServer.Canned(status: .found, body: "", headers: ["location": storage.baseURL + "/bucket/file.pdf"])
        try await withClient(["GET /v1/contracts/3/files/4": redirect]) { client, _ in
            let file = try await client.downloadFile(credentials, contractID: 3, fileID: 4)
            #expect(String(decoding: file.data, as: UTF8.self) == "%PDF-1.7 stored")
            let atStorage = try #require(storage.requests.first)
            #expect(atStorage.headers["x-oneflow-api-token"] == nil)
        }
        try await storage.stop()
    }

    @Test("credentials never print their token")
    func credentialsDescription() {
        #expect(!"\(credentials)".contains(Self.token))
        #expect(!String(reflecting: credentials).contains(Self.token))
        #expect(credentials.tokenLooksValid)
        #expect(!OneflowCredentials(token: "short").tokenLooksValid)
        #expect(!OneflowCredentials(token: String(repeating: "a", count: 39) + " ").tokenLooksValid)
    }
}

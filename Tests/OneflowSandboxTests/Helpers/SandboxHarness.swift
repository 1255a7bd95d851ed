import AsyncHTTPClient
import Foundation
import Leaf
import NIOCore
import OneflowAPI
import Synchronization
import TestSupport
import Vapor

@testable import OneflowSandbox

/// The package root, found from this file so tests do not depend on the working directory.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// A sandbox served over loopback on port 0, the real `OneflowHTTPClient` pointed at it,
/// and a webhook receiver to catch its notifications.
final class SandboxHarness: Sendable {
    let app: Application
    let sandbox: Sandbox
    let client: OneflowHTTPClient
    let http: HTTPClient
    let port: Int
    let receiver: WebhookReceiver

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(app: Application, sandbox: Sandbox, client: OneflowHTTPClient, http: HTTPClient, port: Int, receiver: WebhookReceiver) {
        (self.app, self.sandbox, self.client, self.http, self.port, self.receiver) = (app, sandbox, client, http, port, receiver)
    }

    static func start(retryScale: Double = 1.0, dataFile: String? = nil, receiverStatuses: [UInt] = []) async throws -> SandboxHarness {
        let receiver = try await WebhookReceiver.start(statuses: receiverStatuses)
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        // The pages' Leaf views, found from this file rather than the working directory.
        app.directory = DirectoryConfiguration(workingDirectory: packageRoot + "/")
        app.views.use(.leaf)
        let sandbox = Sandbox(configuration: .init(dataFile: dataFile, setupURL: "http://127.0.0.1:1/setup", retryScale: retryScale))
        try sandbox.register(on: app)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let http = OneflowHTTPClient.makeHTTPClient()
        let client = OneflowHTTPClient(baseURL: "http://127.0.0.1:\(port)/sandbox/oneflow", http: http, timeout: .seconds(10))
        return SandboxHarness(app: app, sandbox: sandbox, client: client, http: http, port: port, receiver: receiver)
    }

    func stop() async throws {
        await sandbox.shutdown()
        try await http.shutdown()
        await app.server.shutdown()
        try await app.asyncShutdown()
        try await receiver.stop()
    }

    // MARK: Control API, over HTTP like a test script would use it

    /// One HTTP call to the sandbox: every helper below goes through it.
    func call(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json: Data? = nil) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        return try await HTTPClientRequestBuilder.send(request, with: http)
    }

    func control<T: Decodable>(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil, as: T.Type = T.self) async throws -> T {
        let data = try await controlCall(method, path, body)
        return try JSONDecoder().decode(T.self, from: data)
    }

    struct ControlError: Error {
        var status: Int
        var body: String
    }

    /// A control call whose answer has no body (204): throws on any other failure.
    func control(_ method: HTTPMethod, _ path: String, _ body: [String: Any]) async throws {
        _ = try await controlCall(method, path, body)
    }

    private func controlCall(_ method: HTTPMethod, _ path: String, _ body: [String: Any]?) async throws -> Data {
        let (status, data) = try await call(method, "/sandbox/control" + path, json: try body.map { try JSONSerialization.data(withJSONObject: $0) })
        guard status < 300 else { throw ControlError(status: status, body: String(decoding: data, as: UTF8.self)) }
        return data
    }

    /// A raw call to the sandbox's Oneflow API, for bodies the client never sends.
    func api(_ method: HTTPMethod, _ path: String, token: String, email: String? = nil, json: String? = nil) async throws -> (
        status: Int, body: String
    ) {
        var headers = [("x-oneflow-api-token", token)]
        if let email { headers.append(("x-oneflow-user-email", email)) }
        let (status, data) = try await call(method, "/sandbox/oneflow/v1" + path, headers: headers, json: json.map { Data($0.utf8) })
        return (status, String(decoding: data, as: UTF8.self))
    }

    struct NewAccount: Decodable {
        var account_id: Int
        var token: String
        var name: String
        var user_emails: [String]
    }

    func newAccount(_ name: String = "Acme AB") async throws -> (OneflowCredentials, NewAccount) {
        let account: NewAccount = try await control(.POST, "/accounts", ["name": name])
        return (OneflowCredentials(token: account.token), account)
    }

    /// A draft contract in `templateTypeID`, made through the control API.
    func newContract(_ credentials: OneflowCredentials, templateTypeID: Int, values: [String: String] = [:]) async throws -> Contract {
        let raw: RawJSON = try await control(
            .POST, "/contracts",
            [
                "token": credentials.token, "template_type_id": templateTypeID, "data_fields": values,
                "employee": [
                    "name": "Jane Doe", "email": "jane@example.com", "phone": "+46701234567",
                    "identification_number": "19900101-1234", "title": "Support Engineer",
                ],
            ])
        return try JSONDecoder.oneflow().decode(Contract.self, from: raw.data)
    }

    func act(_ action: String, contract id: Int) async throws {
        let _: RawJSON = try await control(.POST, "/contracts/\(id)/\(action)")
    }
}

/// Any JSON, kept as bytes.
struct RawJSON: Decodable {
    var data: Data
    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(AnyJSON.self)
        data = try JSONSerialization.data(withJSONObject: value.value)
    }
}

struct AnyJSON: Decodable {
    var value: Any
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            value = NSNull()
        } else if let b = try? c.decode(Bool.self) {
            value = b
        } else if let i = try? c.decode(Int.self) {
            value = i
        } else if let d = try? c.decode(Double.self) {
            value = d
        } else if let s = try? c.decode(String.self) {
            value = s
        } else if let a = try? c.decode([AnyJSON].self) {
            value = a.map(\.value)
        } else {
            value = try c.decode([String: AnyJSON].self).mapValues(\.value)
        }
    }
}

/// The endpoint the sandbox's webhooks point at: the shared recording server, answering the
/// next of its `statuses` (then 200) to each POST.
typealias WebhookReceiver = RecordingServer

extension RecordingServer {
    var url: String { baseURL + "/hook" }
    var received: [Recorded] { requests }
}

import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import OneflowAPI
import Vapor

/// Posts a correctly signed sample notification, like Oneflow's own test curl
/// (https://developer.oneflow.com/docs/getting-started-with-webhooks).
struct TestWebhookSender {
    struct Result: Sendable {
        var status: Int
        var body: String
    }

    let http: HTTPClient

    func send(url: String, signKey: String, contractID: Int, type: String, callbackID: String, at time: Date) async throws -> Result {
        let notification = WebhookNotification(
            contract: .init(id: contractID), callbackID: callbackID,
            events: [ContractEvent(id: Int.random(in: 100_000...999_999), type: EventType(rawValue: type), createdTime: time)],
            signature: WebhookNotification.signature(callbackID: callbackID, signKey: signKey))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder.oneflow().encode(notification)))
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        return Result(status: Int(response.status.code), body: String(buffer: body))
    }
}

/// `hrbridge send-test-webhook (--url U --sign-key K | --installation ID) [--contract-id N] [--type T] [--callback-id C]`
struct SendTestWebhookCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "url", help: "Webhook URL to post to")
        var url: String?
        @Option(name: "sign-key", help: "Sign key to sign with")
        var signKey: String?
        @Option(name: "installation", help: "Installation id or Oneflow account id: its webhook URL and sign key are used")
        var installation: String?
        @Option(name: "contract-id", help: "Contract id in the notification (default 1)")
        var contractID: Int?
        @Option(name: "type", help: "Event type (default contract:sign)")
        var type: String?
        @Option(name: "callback-id", help: "Callback id (default: a new random one)")
        var callbackID: String?
        init() {}
    }

    var help: String { "Posts a correctly signed sample Oneflow notification and prints the answer" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var url = signature.url
        var key = signature.signKey
        if let reference = signature.installation {
            let installation = try await Installation.named(reference, on: app.db)
            url = url ?? WebhookURL.callback(base: app.services.config.publicBaseURL, key: installation.webhookKey)
            key = try key ?? InstallationSecrets(box: app.services.secretBox).signKeys(of: installation, now: app.services.clock.now).first
        }
        guard let url, let key else {
            throw Abort(.badRequest, reason: "Give --url and --sign-key, or --installation <id>")
        }
        let callbackID = signature.callbackID ?? (0..<20).map { _ in UInt8.random(in: 0...255) }.lowercaseHex
        let result = try await TestWebhookSender(http: app.http.client.shared).send(
            url: url, signKey: key, contractID: signature.contractID ?? 1, type: signature.type ?? "contract:sign", callbackID: callbackID,
            at: app.services.clock.now)
        context.console.print("POST \(Redaction.url(url)) callback_id=\(callbackID)")
        context.console.print("HTTP \(result.status) \(result.body)")
        if result.status != 200 { throw Abort(.init(statusCode: result.status), reason: "The endpoint did not answer 200") }
    }
}

import Fluent
import Foundation
import OneflowAPI
import SQLiteStorage
import Vapor

/// `POST /webhooks/oneflow/{webhookKey}`: Oneflow's notifications.
///
/// The ack path does the minimum: check size and type, find the installation, verify
/// `sha1(callback_id + sign_key)` in constant time (current key, or the previous one during a
/// rotation), then insert the delivery and its job in one transaction — shared with the
/// notifications arriving at the same moment (`GroupCommitInbox`) — and answer 200 only
/// after the commit. A retry of the same notification (same `callback_id` and contract) is
/// answered 200 without a new row; the same `callback_id` for another contract is stored too
/// (`WebhookDelivery.callbackCopy`). Anything but 200 makes Oneflow retry, so a storage
/// failure is a 503.
/// https://developer.oneflow.com/docs/introduction, https://developer.oneflow.com/docs/webhook-and-event
struct WebhookReceiver: RouteCollection {
    let clock: any AppClock
    let metrics: AppMetrics
    let secretBox: SecretBox
    let inbox: GroupCommitInbox
    let installations: WebhookKeyCache

    /// Oneflow's notification is a few hundred bytes; anything near this is not one.
    static let maxBody: ByteCount = "256kb"

    /// The two answers, `{"status":"accepted"}` and `{"status":"duplicate"}`, written once:
    /// no JSONEncoder per acknowledgement.
    static func ack(accepted: Bool) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(staticString: accepted ? #"{"status":"accepted"}"# : #"{"status":"duplicate"}"#))
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "webhooks", "oneflow", ":key", body: .collect(maxSize: Self.maxBody), use: receive)
    }

    @Sendable func receive(req: Request) async throws -> Response {
        let started = ContinuousClock.now
        guard Self.isJSON(req.headers) else {
            metrics.rejected(.unsupportedMediaType)
            throw Abort(.unsupportedMediaType, reason: "Webhook notifications must be application/json.")
        }
        let notification: WebhookNotification
        do {
            guard let body = req.body.data else { throw Abort(.badRequest) }
            notification = try JSONDecoder.oneflow().decode(WebhookNotification.self, from: body)
        } catch {
            metrics.rejected(.malformed)
            throw Abort(.badRequest, reason: "The body is not a Oneflow webhook notification.")
        }
        // Control characters (NUL above all: PostgreSQL text cannot hold it) are not in any
        // callback id or event type Oneflow sends; storing them would fail and turn into a 503.
        guard !notification.callbackID.isEmpty, notification.callbackID.count <= 200,
            !([notification.callbackID] + notification.events.map(\.type.rawValue)).contains(where: Self.hasControlCharacters)
        else {
            metrics.rejected(.malformed)
            throw Abort(.badRequest, reason: "callback_id must be 1–200 printable characters.")
        }

        // Our keys are 32 URL-safe base64 characters (`RandomToken`); anything else is no key of ours.
        let key = req.parameters.get("key") ?? ""
        guard key.utf8.count <= 64, key.utf8.allSatisfy(Self.isKeyByte) else {
            metrics.rejected(.unknownKey)
            throw Abort(.notFound, reason: "No such webhook.")
        }
        let installation = try await storage(req) {
            try await installations.entry(for: key) { try await live(key, req) }
        }
        guard let installation else {
            metrics.rejected(.unknownKey)
            throw Abort(.notFound, reason: "No such webhook.")
        }
        guard notification.isSigned(byAnyOf: installation.signKeys) else {
            metrics.rejected(.badSignature)
            req.logger.notice("webhook rejected: bad signature", metadata: ["installation": "\(installation.installationID)"])
            throw Abort(.unauthorized, reason: "The signature does not match.")
        }

        let entry = DeliveryInbox.Entry(notification: notification, installationID: installation.installationID, receivedAt: clock.now)
        let stored = try await storage(req) {
            // The inbox's writer thread resumes this request after the commit. Preferring the
            // connection's own loop sends it there straight away; otherwise it went to whichever
            // loop NIO picked next, and from there to the connection's: a second thread wake-up.
            try await withTaskExecutorPreference(EventLoopTaskExecutor(req.eventLoop)) { try await inbox.accept(entry) }
        }
        if stored == .conflictingCopy {
            // The signature covers only the callback id: someone may replay a captured one with
            // another contract. Both are synced from Oneflow's own state; the admin shows the pair.
            req.logger.notice(
                "webhook: callback id already stored for another contract; stored as a conflicting copy",
                metadata: [
                    "installation": "\(installation.installationID)", "callback_id": "\(notification.callbackID)",
                    "contract": "\(notification.contract.id)",
                ])
        }
        stored == .duplicate ? metrics.duplicate() : metrics.received()
        metrics.acknowledged(after: ContinuousClock.now - started)
        return Self.ack(accepted: stored != .duplicate)
    }

    /// The installation with this webhook key and its sign keys, unless it is disconnected.
    private func live(_ key: String, _ req: Request) async throws -> WebhookKeyCache.Entry? {
        guard let installation = try await Installation.query(on: req.db).filter(\.$webhookKey == key).first(),
            installation.status != .disconnected, let id = installation.id
        else { return nil }
        let keys = try InstallationSecrets(box: secretBox).signKeys(of: installation, now: clock.now)
        return .init(installationID: id, signKeys: keys, keysValidUntil: keys.count > 1 ? installation.previousSignKeyExpiresAt : nil)
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// Control characters (Unicode's general category Cc: U+0000–U+001F and U+007F–U+009F),
    /// compared by value rather than looked up in the character database for each one.
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    /// Whether the body is declared JSON: `Content-Type: application/json`, in any case, with
    /// parameters (`; charset=utf-8`) or without. Read from the header's bytes: Vapor's
    /// `contentType` parses every directive of the header, which was 3% of the server's CPU
    /// per acknowledgement at 16 connections, done twice (bench/RESULTS.md).
    static func isJSON(_ headers: HTTPHeaders) -> Bool {
        guard let value = headers.first(name: .contentType) else { return false }
        // The media type ends at its parameters (`;`) or, as Vapor reads a header, at a second value (`,`).
        var mediaType = ArraySlice(value.utf8.prefix { $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") })
        while let first = mediaType.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { mediaType.removeFirst() }
        while let last = mediaType.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { mediaType.removeLast() }
        let lowercased = mediaType.lazy.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
        return lowercased.elementsEqual("application/json".utf8)
    }

    /// A database failure on the ack path is a 503: Oneflow retries, nothing is lost.
    private func storage<T>(_ req: Request, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            metrics.rejected(.storageUnavailable)
            req.logger.error("webhook: storage unavailable", metadata: ["error": "\(ErrorText.log(error))"])
            throw Abort(.serviceUnavailable, reason: "Storage is unavailable; please retry.")
        }
    }
}

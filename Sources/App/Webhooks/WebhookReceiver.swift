import Fluent
import Foundation
import OneflowAPI
import Vapor

/// `POST /webhooks/oneflow/{webhookKey}`: Oneflow's notifications.
///
/// The ack path does the minimum: check size and type, find the installation, verify
/// `sha1(callback_id + sign_key)` in constant time (current key, or the previous one during a
/// rotation), then insert the delivery and its job in one transaction and answer 200 only
/// after the commit. A retry of the same notification (same `callback_id`) is answered 200
/// without a new row. Anything but 200 makes Oneflow retry, so a storage failure is a 503.
/// https://developer.oneflow.com/docs/introduction, https://developer.oneflow.com/docs/webhook-and-event
struct WebhookReceiver: RouteCollection {
    let services: AppServices

    /// Oneflow's notification is a few hundred bytes; anything near this is not one.
    static let maxBody: ByteCount = "256kb"

    struct Ack: Content {
        var status: String
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "webhooks", "oneflow", ":key", body: .collect(maxSize: Self.maxBody), use: receive)
    }

    @Sendable func receive(req: Request) async throws -> Response {
        let started = ContinuousClock.now
        let metrics = services.metrics
        guard req.headers.contentType?.type == "application", req.headers.contentType?.subType == "json" else {
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
              !([notification.callbackID] + notification.events.map(\.type.rawValue)).contains(where: Self.hasControlCharacters) else {
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
            try await Installation.query(on: req.db).filter(\.$webhookKey == key).first()
        }
        guard let installation, installation.status != .disconnected, let installationID = installation.id else {
            metrics.rejected(.unknownKey)
            throw Abort(.notFound, reason: "No such webhook.")
        }
        let keys = try InstallationSecrets(box: services.secretBox).signKeys(of: installation, now: Date())
        guard notification.isSigned(byAnyOf: keys) else {
            metrics.rejected(.badSignature)
            req.logger.notice("webhook rejected: bad signature", metadata: ["installation": "\(installationID)"])
            throw Abort(.unauthorized, reason: "The signature does not match.")
        }

        let accepted = try await storage(req) {
            try await DeliveryInbox(db: req.db, maxAttempts: services.config.sync.maxAttempts)
                .accept(notification, installationID: installationID, receivedAt: Date())
        }
        accepted ? metrics.received() : metrics.duplicate()
        metrics.acknowledged(after: ContinuousClock.now - started)
        return try await Ack(status: accepted ? "accepted" : "duplicate").encodeResponse(status: .ok, for: req)
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// A database failure on the ack path is a 503: Oneflow retries, nothing is lost.
    private func storage<T>(_ req: Request, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            services.metrics.rejected(.storageUnavailable)
            req.logger.error("webhook: storage unavailable", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw Abort(.serviceUnavailable, reason: "Storage is unavailable; please retry.")
        }
    }
}

/// The inbox: a delivery row and its sync job, committed together.
struct DeliveryInbox {
    let db: any Database
    let maxAttempts: Int

    /// What is stored of a notification: everything but the signature.
    struct StoredPayload: Codable {
        var contract: WebhookNotification.ContractRef
        var callback_id: String
        var events: [ContractEvent]
    }

    struct JobPayload: Codable {
        var delivery_id: UUID
    }

    /// - Returns: false when this notification was already accepted (a retry).
    func accept(_ notification: WebhookNotification, installationID: UUID, receivedAt: Date) async throws -> Bool {
        if try await isKnown(notification.callbackID, installationID) { return false }
        let payload = StoredPayload(contract: notification.contract, callback_id: notification.callbackID, events: notification.events)
        let delivery = WebhookDelivery(
            installationID: installationID, callbackID: notification.callbackID, oneflowContractID: notification.contract.id,
            eventTypes: notification.events.map(\.type.rawValue),
            payload: String(decoding: try JSONEncoder.oneflow().encode(payload), as: UTF8.self), receivedAt: receivedAt)
        do {
            try await db.transaction { tx in
                try await delivery.create(on: tx)
                try await JobQueue(db: tx).enqueue(kind: JobQueue.Kind.syncDelivery, payload: JobPayload(delivery_id: try delivery.requireID()),
                                                   maxAttempts: maxAttempts, runAt: receivedAt)
            }
        } catch {
            // Two copies raced past the check: the unique (installation, callback_id) kept one.
            if try await isKnown(notification.callbackID, installationID) { return false }
            throw error
        }
        return true
    }

    private func isKnown(_ callbackID: String, _ installationID: UUID) async throws -> Bool {
        try await WebhookDelivery.query(on: db).filter(\.$installation.$id == installationID).filter(\.$callbackID == callbackID).count() > 0
    }
}

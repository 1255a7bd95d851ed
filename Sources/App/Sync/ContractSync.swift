import Fluent
import Foundation
import Logging
import OneflowAPI
import SQLKit

/// Turns one webhook delivery into HR records: fetch the contract with the installation's
/// token, keep it only if it belongs to our template group, map it, write it, and store the
/// signed PDF. Decisions come from the fetched contract, never from the notification body
/// (which the signature does not cover). https://developer.oneflow.com/docs/webhook-and-event
struct ContractSync {
    let db: any Database
    let services: AppServices
    let logger: Logger

    /// Event types we know; others are recorded on the delivery and otherwise ignored.
    static let knownEvents = Set(EventType.documented.map(\.rawValue))

    /// What `BatchSync` already fetched for a delivery, so that it is not fetched twice: the
    /// contract or Oneflow's error, and the contract's other deliveries, read before the fetch.
    struct Prefetched: Sendable {
        var contract: Swift.Result<Contract, any Error>
        var others: [UUID]
    }

    /// - Parameter covered: other deliveries of the contract this fetch may answer.
    /// - Returns: the other deliveries it answered (`CoveredDeliveries.settle`).
    @discardableResult
    func process(deliveryID: UUID, covering covered: CoveredDeliveries? = nil, prefetched: Prefetched? = nil) async throws -> Set<UUID> {
        guard let delivery = try await WebhookDelivery.query(on: db).filter(\.$id == deliveryID).with(\.$installation).first() else { return [] }
        let installation = delivery.installation
        let events = delivery.eventTypes.split(separator: ",").map(String.init)
        let note = Self.unknownEventsNote(events)
        let source = HRRecordWriter.Source(name: "webhook", deliveryID: deliveryID, eventTypes: events)
        delivery.attempts += 1

        guard installation.status != .disconnected, let token = try InstallationSecrets(box: services.secretBox).token(of: installation) else {
            try await finish(delivery, .ignored, "installation is disconnected")
            return []
        }
        let covered = covered ?? CoveredDeliveries(db: db)
        let others =
            if let prefetched { prefetched.others } else {
                try await covered.pending(contractID: delivery.oneflowContractID, installationID: try installation.requireID(), except: deliveryID)
            }
        let outcome = try await sync(
            contractID: delivery.oneflowContractID, installation: installation, token: token, source: source,
            prefetched: prefetched?.contract)
        let status: WebhookDelivery.Status = outcome.ignored ? .ignored : .processed
        try await finish(delivery, status, outcome.summary + note)
        let settled = try await covered.settle(queued: others, by: deliveryID, status: status, reason: outcome.summary, now: services.clock.now)
        for _ in settled { services.metrics.outcome(status) }
        return Set(settled)
    }

    struct Result: Sendable {
        var ignored: Bool
        var summary: String
    }

    /// Fetches one contract (unless `prefetched`) and applies it. Shared by webhooks and reconciliation.
    func sync(
        contractID: Int, installation: Installation, token: String, source: HRRecordWriter.Source,
        prefetched: Swift.Result<Contract, any Error>? = nil
    ) async throws -> Result {
        let installationID = try installation.requireID()
        let credentials = OneflowCredentials(token: token, userEmail: services.config.oneflow.userEmail)
        let outbox = services.config.notify.endpoint == nil ? nil : Outbox()
        let writer = HRRecordWriter(db: db, box: services.secretBox, clock: services.clock, outbox: outbox)
        let caller = InstallationCaller(db: db, logger: logger, clock: services.clock)
        let contract: Contract
        do {
            contract = try await caller.call(installation) {
                if let prefetched { return try prefetched.get() }
                return try await services.oneflow.contract(credentials, id: contractID)
            }
        } catch let error as OneflowError where error.isNotFound {
            // Deleted in Oneflow (or never visible to us).
            if let outcome = try await writer.markDeleted(oneflowContractID: contractID, installationID: installationID, source: source) {
                return Result(ignored: false, summary: "contract deleted in Oneflow: \(outcome.kind.rawValue)")
            }
            return Result(ignored: true, summary: "contract \(contractID) not found in Oneflow and unknown here")
        }
        guard let ours = installation.templateTypeID, contract.templateTypeID == ours else {
            return Result(ignored: true, summary: Self.notOurs(contract, installation))
        }
        let mapped = ContractMapper.map(contract, mapping: services.config.mapping, now: services.clock.now)
        let outcome = try await writer.apply(mapped, installationID: installationID, source: source)
        var summary = "\(mapped.status): \(outcome.kind.rawValue)"
        if mapped.status == ContractState.signed.rawValue, outcome.kind != .stale, let stored = outcome.contract {
            let store = DocumentStore(db: db, dataDirectory: services.config.dataDirectory, outbox: outbox)
            if let document = try await caller.call(
                installation,
                { try await store.ensureSignedPDF(oneflow: services.oneflow, credentials: credentials, contract: stored, clock: services.clock) })
            {
                summary += ", signed PDF \(document.size) bytes"
            }
        }
        logger.info("sync: contract applied", metadata: ["contract": "\(contractID)", "outcome": "\(summary)"])
        return Result(ignored: false, summary: summary)
    }

    /// Records the delivery's outcome and counts it.
    private func finish(_ delivery: WebhookDelivery, _ status: WebhookDelivery.Status, _ reason: String) async throws {
        try await Self.record(delivery, status, reason, at: services.clock.now, on: db)
        services.metrics.outcome(status)
    }

    /// Records the delivery's outcome (one statement; see `JobQueue.succeed`).
    static func record(
        _ delivery: WebhookDelivery, _ status: WebhookDelivery.Status, _ reason: String, at now: Date, on db: any Database
    ) async throws {
        delivery.status = status
        delivery.outcomeReason = String(reason.prefix(1000))
        delivery.processedAt = now
        guard db is any SQLDatabase else { return try await delivery.save(on: db) }
        // `attempts + 1` in SQL: `process` counted this attempt on the model already.
        try await DeliveryOutcomes.record(
            [try delivery.requireID(): .init(status: status, reason: reason)], now: now, on: db)
    }

    /// Appended to a delivery's outcome when it named event types we do not know.
    static func unknownEventsNote(_ events: [String]) -> String {
        let unknown = events.filter { !knownEvents.contains($0) }
        return unknown.isEmpty ? "" : " (unknown event types recorded: \(unknown.joined(separator: ", ")))"
    }

    /// Why a contract of another template group is ignored.
    static func notOurs(_ contract: Contract, _ installation: Installation) -> String {
        let theirs = contract.templateTypeID.map(String.init) ?? "unknown"
        return "contract belongs to template group \(theirs), not ours (\(installation.templateTypeID.map(String.init) ?? "none"))"
    }
}

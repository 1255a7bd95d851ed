import Fluent
import Foundation
import Logging
import OneflowAPI
import SQLKit

/// The write phase: what the decisions say, in one transaction per chunk.
extension SyncPipeline {
    /// Writes the items, `contractsPerTransaction` per transaction. A chunk whose transaction
    /// fails is written again one contract at a time; a contract whose own write fails fails
    /// its job (tried again later).
    func write(_ items: [SyncItem]) async -> [SyncItem] {
        guard !items.isEmpty else { return [] }
        let chunk = max(1, contractsPerTransaction ?? items.count)
        var written: [SyncItem] = []
        for start in stride(from: 0, to: items.count, by: chunk) {
            written += await writeOrSplit(Array(items[start..<min(start + chunk, items.count)]))
        }
        return written
    }

    private func writeOrSplit(_ items: [SyncItem]) async -> [SyncItem] {
        do {
            return try await writeTransaction(items)
        } catch {
            guard items.count == 1, var item = items.first else {
                logger.warning("worker: a batch's write failed; its contracts are written one by one", metadata: ["error": "\(ErrorText.log(error))"])
                var written: [SyncItem] = []
                for item in items { written += await writeOrSplit([item]) }
                return written
            }
            let failure = SyncFailure(error)
            item.failure = failure
            if let lead = item.jobs.first { item.failedStatus = await record(lead, failure, delivery: item.delivery) }
            return [item]
        }
    }

    /// One transaction: each installation's lock (in a fixed order, so two workers cannot
    /// deadlock), the HR writes of all its contracts (`HRWriteSet`), the new PDFs, every
    /// outcome — the leads' and those of the deliveries they answered — and the lead jobs'
    /// success or failure, a few statements per table for the whole chunk. A crash leaves
    /// all of it or none (the jobs then run again).
    private func writeTransaction(_ items: [SyncItem]) async throws -> [SyncItem] {
        let fallback = services.config.notify.endpoint != nil
        let (box, clock, dataDirectory) = (services.secretBox, services.clock, services.config.dataDirectory)
        return try await writer.transaction(.background) { [self] tx in
            var items = items
            let now = clock.now
            let outbox = try await Outbox.announcing(items.map(\.installation), fallback: fallback, on: tx)
            let hr = HRRecordWriter(
                box: box, clock: clock, outbox: outbox, contractPage: services.config.oneflowContractPages)
            let installations = Set(items.filter(\.locksInstallation).map(\.installationID)).sorted { $0.uuidString < $1.uuidString }
            for installationID in installations { try await InstallationLock.acquire(installationID, on: tx) }
            try await decideAgain(&items, on: tx, now: now)
            for installationID in installations {
                let applying = items.indices.filter { items[$0].installationID == installationID && items[$0].mapped != nil }
                let outcomes = try await hr.apply(applying.map { (items[$0].mapped!, items[$0].source) }, installationID: installationID, locked: tx)
                for (i, outcome) in zip(applying, outcomes) { items[i].applied(outcome) }
                for i in items.indices where items[i].installationID == installationID && items[i].deletes {
                    items[i].deleted(
                        try await hr.markDeleted(
                            oneflowContractID: items[i].contractID, installationID: installationID, source: items[i].source, locked: tx))
                }
            }
            for i in items.indices { items[i].settleDecision() }
            let pdfs = items.compactMap(\.pdfToStore)
            _ = try await DocumentStore(db: tx, dataDirectory: dataDirectory, outbox: outbox).store(pdfs, on: tx, now: now)

            for i in items.indices {
                if items[i].disconnects { try await InstallationCaller.disconnect(items[i].installation, at: now, on: tx) }
                guard let failure = items[i].failure, let lead = items[i].jobs.first else { continue }
                items[i].failedStatus = try await recordFailure(lead, failure, delivery: items[i].delivery, on: tx, now: now)
            }
            let done = items.indices.filter { items[$0].failure == nil && items[$0].delivery != nil }
            // Without a fetch (a disconnected installation) there is nothing to answer the others with.
            let answers = try done.map { i in
                CoveredDeliveries.Answer(
                    lead: try items[i].delivery!.requireID(), held: items[i].answer == nil ? [] : Array(items[i].jobs.dropFirst()),
                    queued: items[i].others,
                    outcome: .init(status: items[i].status, reason: items[i].summary))
            }
            var (settled, outcomes) = try await CoveredDeliveries(db: tx, worker: worker).settleJobs(answers, now: now)
            for (n, i) in done.enumerated() {
                items[i].settled = settled[n]
                outcomes[answers[n].lead] = .init(status: items[i].status, reason: items[i].summary + items[i].unknownEventsNote)
            }
            try await DeliveryOutcomes.record(outcomes, now: now, on: tx)
            let leads = done.compactMap { items[$0].jobs.first?.id }
            if !leads.isEmpty { try await queue(tx).succeed(where: "id IN (\(binds: leads))", now: now) }
            return items
        }
    }

    /// Decides again, under the installation's lock, where what is stored may have changed
    /// since the load (another worker's write): a contract Oneflow does not have (deleted, or
    /// unknown), and a signed PDF downloaded or not (stored meanwhile?). One query per installation.
    private func decideAgain(_ items: inout [SyncItem], on tx: any Database, now: Date) async throws {
        // An erasure since the load: its contracts must not bring the person back.
        let locked = items.indices.filter { items[$0].locksInstallation }
        var lockedItems = locked.map { items[$0] }
        try await findErased(&lockedItems, on: tx)
        for (i, item) in zip(locked, lockedItems) where item.erased {
            items[i].erased = true
            items[i].decision = SyncDecision.decide(items[i].decisionInput, mapping: items[i].mapping, now: now)
        }
        let changeable = items.indices.filter { !items[$0].erased && (items[$0].isNotFound || items[$0].handlesPDF) }
        guard !changeable.isEmpty else { return }
        var subset = changeable.map { items[$0] }
        try await findStored(&subset, on: tx)
        for (i, item) in zip(changeable, subset) {
            items[i].stored = item.stored
            items[i].decision = SyncDecision.decide(items[i].decisionInput, mapping: items[i].mapping, now: now)
        }
    }

    /// Records and reports a job's failure, alone: a batch that could not be read, a job
    /// other than a delivery's.
    func fail(_ job: Job, _ failure: SyncFailure) async {
        let status = await record(job, failure)
        report(failure, job: job, contractID: nil, status: status)
    }

    /// Counts a failure by what its delivery became (nil: none, or not recorded) and logs it.
    func report(_ failure: SyncFailure, job: Job, contractID: Int?, status: WebhookDelivery.Status?) {
        if let status { services.metrics.outcome(status) }
        var metadata: Logger.Metadata = ["job": "\(job.id?.uuidString ?? "")", "kind": "\(job.kind)", "error": "\(failure.message)"]
        if let contractID { metadata["contract"] = "\(contractID)" }
        logger.warning("worker: job failed", metadata: metadata)
    }

    /// Records a job's failure in a transaction of its own.
    /// - Returns: what its delivery became (nil: it has none, or nothing was recorded).
    @discardableResult
    private func record(_ job: Job, _ failure: SyncFailure, delivery: WebhookDelivery? = nil) async -> WebhookDelivery.Status? {
        let now = services.clock.now
        do {
            return try await writer.transaction(.background) { [self] tx in
                var delivery = delivery
                if delivery == nil, let id = SyncWorker.deliveryID(of: job) { delivery = try await WebhookDelivery.find(id, on: tx) }
                return try await recordFailure(job, failure, delivery: delivery, on: tx, now: now)
            }
        } catch {
            // The lease expires and the job is claimed again: nothing is lost.
            logger.error("worker: could not record a failure", metadata: ["error": "\(ErrorText.log(error))"])
            return nil
        }
    }

    /// The job tried again later or dead, and its delivery showing why.
    /// - Returns: what the delivery became (nil: the job has none).
    private func recordFailure(
        _ job: Job, _ failure: SyncFailure, delivery: WebhookDelivery?, on tx: any Database, now: Date
    ) async throws -> WebhookDelivery.Status? {
        let dead = try await queue(tx).fail(
            job, error: failure.message, retryable: failure.consequence == .retry, notBefore: failure.notBefore,
            countsAttempt: failure.countsAttempt, now: now)
        guard let delivery else { return nil }
        delivery.status = dead ? .dead : .failed
        delivery.attempts = job.attempts
        delivery.outcomeReason = String(failure.message.prefix(1000))
        try await delivery.save(on: tx)
        return delivery.status
    }

    func queue(_ db: any Database) -> JobQueue {
        JobQueue(db: db, sync: services.config.sync)
    }
}

/// What the write makes of an item's decision.
extension SyncItem {
    /// Event types we know; others are recorded on the delivery and otherwise ignored.
    static let knownEvents = Set(EventType.documented.map(\.rawValue))

    var mapped: MappedContract? {
        if case .apply(let mapped, _) = decision { return mapped }
        return nil
    }

    var deletes: Bool {
        if case .markDeleted = decision { return true }
        return false
    }

    /// A signed PDF downloaded, or whose download failed.
    var handlesPDF: Bool {
        switch decision {
        case .apply(_, .download), .apply(_, .failed): true
        default: false
        }
    }

    /// Appended to the lead delivery's outcome when it named event types we do not know (and
    /// its contract was fetched).
    var unknownEventsNote: String {
        guard answer != nil else { return "" }
        let unknown = source.eventTypes.filter { !Self.knownEvents.contains($0) }
        return unknown.isEmpty ? "" : " (unknown event types recorded: \(unknown.joined(separator: ", ")))"
    }

    /// A new PDF to store with the HR write: downloaded, the HR write not stale, and no PDF
    /// stored meanwhile.
    var pdfToStore: (download: DocumentStore.Download, contract: EmploymentContract)? {
        guard case .apply(_, .download(let download)) = decision, let outcome, outcome.kind != .stale,
            let contract = outcome.contract
        else { return nil }
        return (download, contract)
    }

    /// Takes the HR write's outcome: the summary, and what happens to the PDF.
    mutating func applied(_ outcome: HRRecordWriter.Outcome) {
        self.outcome = outcome
        status = .processed
        summary = "\(mapped?.status ?? ""): \(outcome.kind.rawValue)"
        guard case .apply(_, let pdf) = decision else { return }
        // A stale fetch stores no PDF, and a failed download of it does not fail the job; a
        // rejected token still disconnects the installation.
        guard outcome.kind != .stale, outcome.contract != nil else {
            if case .failed(let failure) = pdf, failure.consequence == .disconnect { disconnects = true }
            return
        }
        switch pdf {
        case .stored(let size): summary += ", signed PDF \(size) bytes"
        case .download(let download): summary += ", signed PDF \(download.bytes.count) bytes"
        case .failed(let failure):
            self.failure = failure
            disconnects = failure.consequence == .disconnect
        case .notSigned, .none: break
        }
    }

    /// Takes `markDeleted`'s outcome (nil: the contract was not stored after all).
    mutating func deleted(_ outcome: HRRecordWriter.Outcome?) {
        guard let outcome else {
            summary = "contract \(contractID) not found in Oneflow and unknown here"
            return
        }
        self.outcome = outcome
        status = .processed
        summary = "contract deleted in Oneflow: \(outcome.kind.rawValue)"
    }

    /// Ignores and failures write nothing but their outcome.
    mutating func settleDecision() {
        switch decision {
        case .ignore(let reason):
            status = .ignored
            summary = reason
        case .fail(let failure):
            self.failure = failure
            disconnects = failure.consequence == .disconnect
        case .apply, .markDeleted: break
        }
    }
}

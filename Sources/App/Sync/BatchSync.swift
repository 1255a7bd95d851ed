import Fluent
import Foundation
import Logging
import OneflowAPI
import SQLKit

/// Runs a claimed batch of delivery jobs in phases instead of one contract after another:
/// read the batch's deliveries, fetch its contracts from Oneflow at once (each signed one
/// downloading its PDF right after, if not stored yet), then write everything — HR records,
/// PDFs, every delivery's outcome and the jobs' success — in one transaction.
///
/// One contract at a time cost five commits and some twenty statements, each waiting for the
/// event loop's one SQLite connection and for SQLite's one write lock (bench/RESULTS.md).
/// A batch costs one commit, and its Oneflow calls overlap.
///
/// Only the common case is done here: an active installation whose contract Oneflow
/// returned. Every other case is handed back to run through `ContractSync` on its own, with
/// what the batch already fetched (Oneflow is not asked twice); `ContractSync` knows each
/// error's consequence (a deleted contract, a revoked token, a retry). A failed PDF download
/// is handed back as the job's failure after the HR write, as `ContractSync` would fail it.
/// Running a contract again is safe: HR writes compare before they change anything, and a
/// contract has one PDF.
struct BatchSync {
    let db: any Database
    /// Where the write transaction runs (`WriteLane`).
    let writes: WriteLane
    let services: AppServices
    let logger: Logger
    /// The claiming worker's name (`jobs.leased_by`).
    let worker: String
    /// Contracts written per transaction (`nil`: the whole batch in one). Inside `serve` a
    /// webhook acknowledgement waits for the write in progress (`WriteGate` lets it in next),
    /// so this bounds its wait: a whole batch in one transaction held acks up for tens of
    /// milliseconds (bench/RESULTS.md). A `worker` process has no acks to let in.
    var contractsPerTransaction: Int? = nil

    /// Jobs the batch did not finish: one contract's (lead first), to run on their own.
    struct Handback: Sendable {
        var jobs: [Job]
        /// What the batch fetched, for `ContractSync` to use instead of fetching again.
        var prefetched: ContractSync.Prefetched? = nil
        /// The lead's failure, to record as it is (the siblings then run on their own).
        var failure: (any Error)? = nil
    }

    private var outbox: Outbox? { services.config.notify.endpoint == nil ? nil : Outbox() }

    func run(_ jobs: [Job]) async -> [Handback] {
        var (items, handbacks) = await group(jobs)
        guard !items.isEmpty else { return handbacks }
        do {
            try await findOthers(&items)
            try await findStoredPDFs(&items, on: db)
        } catch {
            return handbacks + items.map { Handback(jobs: $0.jobs) }
        }
        items = await fetch(items, failed: &handbacks)
        let chunk = max(1, contractsPerTransaction ?? items.count)
        for start in stride(from: 0, to: items.count, by: chunk) {
            handbacks += await write(Array(items[start..<min(start + chunk, items.count)]))
        }
        return handbacks
    }

    /// Groups the batch's delivery jobs by contract, in claim order. Other jobs, unknown
    /// deliveries and installations without a usable token are handed back.
    private func group(_ jobs: [Job]) async -> (items: [Item], handbacks: [Handback]) {
        let ids = jobs.compactMap(SyncWorker.deliveryID(of:))
        let deliveries: [UUID: WebhookDelivery]
        do {
            let rows = try await WebhookDelivery.query(on: db).filter(\.$id ~~ ids).with(\.$installation).all()
            deliveries = Dictionary(rows.compactMap { row in row.id.map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
        } catch {
            return ([], jobs.map { Handback(jobs: [$0]) })
        }
        var groups: [[Job]] = []
        var leads: [WebhookDelivery?] = []
        var index: [String: Int] = [:]
        for job in jobs {
            guard let delivery = SyncWorker.deliveryID(of: job).flatMap({ deliveries[$0] }) else {
                groups.append([job])
                leads.append(nil)
                continue
            }
            let key = "\(delivery.$installation.id)/\(delivery.oneflowContractID)"
            if let at = index[key] {
                groups[at].append(job)
            } else {
                index[key] = groups.count
                groups.append([job])
                leads.append(delivery)
            }
        }
        var items: [Item] = []
        var handbacks: [Handback] = []
        let secrets = InstallationSecrets(box: services.secretBox)
        for (jobs, lead) in zip(groups, leads) {
            guard let lead, lead.installation.status != .disconnected,
                let token = try? secrets.token(of: lead.installation)
            else {
                handbacks.append(Handback(jobs: jobs))
                continue
            }
            let credentials = OneflowCredentials(token: token, userEmail: services.config.oneflow.userEmail)
            items.append(Item(jobs: jobs, delivery: lead, credentials: credentials))
        }
        return (items, handbacks)
    }

    /// The contracts' other queued deliveries, one query per installation.
    private func findOthers(_ items: inout [Item]) async throws {
        let held = Set(items.flatMap(\.jobs).compactMap(SyncWorker.deliveryID(of:)))
        for installationID in Set(items.map(\.installationID)) {
            let contracts = items.filter { $0.installationID == installationID }.map(\.contractID)
            let pending = try await CoveredDeliveries(db: db).pending(contractIDs: contracts, installationID: installationID, except: held)
            for i in items.indices where items[i].installationID == installationID {
                items[i].others = pending[items[i].contractID] ?? []
            }
        }
    }

    /// Fetches every contract at once; right after its own fetch, each signed contract of
    /// ours whose PDF is not stored yet downloads it, without waiting for the other fetches.
    /// A contract Oneflow did not return is handed back with the error. A failed download
    /// stays with its item: the HR write still happens, then the job fails (as in
    /// `ContractSync`); a 401 disconnects the installation (`InstallationCaller`).
    /// https://developer.oneflow.com/reference/get-contract,
    /// https://developer.oneflow.com/docs/download-a-contract-file
    private func fetch(_ items: [Item], failed: inout [Handback]) async -> [Item] {
        let oneflow = services.oneflow
        let mapping = services.config.mapping
        let store = DocumentStore(db: db, dataDirectory: services.config.dataDirectory)
        let caller = InstallationCaller(db: db, logger: logger, clock: services.clock)
        let results = await concurrently(items) { item in
            var item = item
            item.fetched(try await oneflow.contract(item.credentials, id: item.contractID), mapping: mapping, at: services.clock.now)
            guard item.signed, item.storedPDF == nil else { return item }
            do {
                item.download = try await caller.call(item.delivery.installation) {
                    try await store.download(oneflow: oneflow, credentials: item.credentials, oneflowContractID: item.contractID)
                }
            } catch {
                item.failure = error
            }
            return item
        }
        var fetched: [Item] = []
        for (item, result) in zip(items, results) {
            switch result {
            case .success(let item): fetched.append(item)
            case .failure(let error): failed.append(Handback(jobs: item.jobs, prefetched: .init(contract: .failure(error), others: item.others)))
            }
        }
        return fetched
    }

    /// Which contracts have their PDF stored already (one query per installation): before the
    /// fetch, so that it is not downloaded again, and again inside the write transaction,
    /// where only signed ones matter, as another worker's batch may have stored one meanwhile.
    private func findStoredPDFs(_ items: inout [Item], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let unknown = items.filter { $0.storedPDF == nil && ($0.contract == nil || $0.signed) }
        for installationID in Set(unknown.map(\.installationID)) {
            let contracts = unknown.filter { $0.installationID == installationID }.map(\.contractID)
            let rows = try await sql.raw(
                """
                SELECT c.oneflow_contract_id, d.size FROM documents d JOIN employment_contracts c ON c.id = d.contract_id
                WHERE c.installation_id = \(bind: installationID) AND c.oneflow_contract_id IN (\(binds: contracts))
                """
            ).all()
            let sizes = try Dictionary(
                rows.map { (try $0.decode(column: "oneflow_contract_id", as: Int.self), try $0.decode(column: "size", as: Int.self)) },
                uniquingKeysWith: { first, _ in first })
            for i in items.indices where items[i].installationID == installationID && items[i].storedPDF == nil {
                items[i].storedPDF = sizes[items[i].contractID]
            }
        }
    }

    /// One transaction: each installation's lock (in a fixed order, so two workers cannot
    /// deadlock), the HR writes of all its contracts (`HRWriteSet`), the new PDFs, every
    /// outcome — the leads' and those of the deliveries they answered — and the lead jobs'
    /// success, a few statements per table for the whole batch. A crash leaves all of it or
    /// none (the jobs then run again). If it fails, every contract runs on its own.
    /// - Returns: what the worker still has to do: failed downloads, and held jobs nobody
    ///   answered (another worker took them).
    private func write(_ items: [Item]) async -> [Handback] {
        let writer = HRRecordWriter(db: db, box: services.secretBox, clock: services.clock, outbox: outbox)
        let store = DocumentStore(db: db, dataDirectory: services.config.dataDirectory, outbox: outbox)
        let written: [Item]
        do {
            written = try await writes.transaction(services.writeGate) { [worker] tx in
                var items = items
                let installations = Set(items.filter { $0.mapped != nil }.map(\.installationID)).sorted { $0.uuidString < $1.uuidString }
                for installationID in installations { try await InstallationLock.acquire(installationID, on: tx) }
                try await findStoredPDFs(&items, on: tx)
                for installationID in installations {
                    let mine = items.indices.filter { items[$0].mapped != nil && items[$0].installationID == installationID }
                    let outcomes = try await writer.apply(
                        mine.map { (items[$0].mapped!, items[$0].source) }, installationID: installationID, locked: tx)
                    for (i, outcome) in zip(mine, outcomes) { items[i].written(outcome) }
                }
                let pdfs = items.filter(\.storesPDF)
                _ = try await store.store(pdfs.map { ($0.download!, $0.outcome!.contract!) }, on: tx, now: services.clock.now)

                let done = items.indices.filter { items[$0].failure == nil }
                let answers = try done.map { i in
                    CoveredDeliveries.Answer(
                        lead: try items[i].delivery.requireID(), held: Array(items[i].jobs.dropFirst()), queued: items[i].others,
                        outcome: .init(status: items[i].status, reason: items[i].summary))
                }
                let now = services.clock.now
                var (settled, outcomes) = try await CoveredDeliveries(db: tx, worker: worker).settleJobs(answers, now: now)
                for (n, i) in done.enumerated() {
                    items[i].settled = settled[n]
                    let note = ContractSync.unknownEventsNote(items[i].source.eventTypes)
                    outcomes[answers[n].lead] = .init(status: items[i].status, reason: items[i].summary + note)
                }
                try await DeliveryOutcomes.record(outcomes, now: now, on: tx)
                let leads = done.compactMap { items[$0].jobs[0].id }
                if !leads.isEmpty { try await JobQueue(db: tx).succeed(where: "id IN (\(binds: leads))", now: now) }
                return items
            }
        } catch {
            logger.warning("worker: a batch's write failed; its contracts run one by one", metadata: ["error": "\(ErrorText.log(error))"])
            return items.map { Handback(jobs: $0.jobs, prefetched: $0.prefetched) }
        }
        var rest: [Handback] = []
        for item in written {
            if let failure = item.failure {
                rest.append(Handback(jobs: item.jobs, failure: failure))
                continue
            }
            for _ in 0...item.settled.count { services.metrics.outcome(item.status) }
            logger.info("sync: contract applied", metadata: ["contract": "\(item.contractID)", "outcome": "\(item.summary)"])
            let answered = Set(item.settled)
            rest += item.jobs.dropFirst().filter { SyncWorker.deliveryID(of: $0).map(answered.contains) != true }.map { Handback(jobs: [$0]) }
        }
        return rest
    }
}

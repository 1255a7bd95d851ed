import Fluent
import Foundation
import Logging
import OneflowAPI
import SQLKit

/// The one way from Oneflow to the HR records, for one contract or many: load what is stored,
/// fetch what Oneflow says (each signed contract's PDF right after its own fetch), decide
/// (`SyncDecision`, pure), write — every HR record, PDF, delivery outcome and job outcome of a
/// chunk in one transaction. A single delivery is a batch of one; reconciliation is a batch
/// without deliveries.
///
/// One contract at a time cost five commits and some twenty statements, each waiting for
/// SQLite's one write lock (bench/RESULTS.md); a batch costs one commit, and its Oneflow
/// calls overlap. Running a contract again is safe: HR writes compare before they change
/// anything, and a contract has one PDF.
struct SyncPipeline {
    /// Where the phases before the write read.
    let db: any Database
    /// Where the write runs (`DatabaseWriter`).
    let writer: any DatabaseWriter
    let services: AppServices
    let logger: Logger
    /// The claiming worker's name (`jobs.leased_by`).
    var worker = ""
    /// Contracts written per transaction (`nil`: all in one). Inside `serve` a webhook
    /// acknowledgement waits for the write in progress (`WriteGate` lets it in next), so this
    /// bounds its wait (bench/RESULTS.md). A `worker` process has no acks to let in.
    var contractsPerTransaction: Int? = nil

    /// Runs delivery jobs (a claimed batch, or one).
    /// - Returns: jobs to run again on their own: held deliveries their lead did not answer
    ///   (it failed, or another worker took them).
    func run(_ jobs: [Job]) async -> [Job] {
        let items: [SyncItem]
        do {
            items = try await load(jobs)
        } catch {
            // Each job on its own: a failure then costs only its own attempt.
            guard jobs.count == 1, let job = jobs.first else { return jobs }
            logger.warning("sync: cannot read a delivery", metadata: ["error": "\(ErrorText.log(error))"])
            await fail(job, SyncFailure(error))
            return []
        }
        return finish(await write(decide(await fetch(items))))
    }

    /// Applies contracts of one installation found by reconciliation.
    /// - Returns: each contract's outcome. Throws the first failure, after writing the rest.
    func sync(contractIDs: [Int], of installation: Installation, token: String) async throws -> [SyncItem] {
        let credentials = OneflowCredentials(token: token, userEmail: services.config.oneflow.userEmail)
        let installationID = try installation.requireID()
        var items = contractIDs.map { id in
            SyncItem(
                installation: installation, installationID: installationID, contractID: id,
                source: .init(name: "reconcile", deliveryID: nil, eventTypes: []), credentials: credentials)
        }
        try await findStored(&items, on: db)
        try await findMappings(&items, on: db)
        let written = await write(decide(await fetch(items)))
        _ = finish(written)
        if let failure = written.compactMap(\.failure).first { throw failure }
        return written
    }

    // MARK: Load

    /// Groups the jobs' deliveries by contract, in claim order, and reads what is stored of
    /// each contract. A job whose delivery is gone has nothing to do: it succeeds. A payload
    /// that names no delivery is dead at once, where it can be seen.
    private func load(_ jobs: [Job]) async throws -> [SyncItem] {
        // Each payload read once: the delivery it names, or why it names none.
        var named: [(job: Job, deliveryID: UUID)] = []
        var unreadable: [(Job, any Error)] = []
        for job in jobs {
            do { named.append((job, try DeliveryJobPayload.deliveryID(in: job.payload))) } catch { unreadable.append((job, error)) }
        }
        let rows = try await WebhookDelivery.query(on: db).filter(\.$id ~~ named.map(\.deliveryID)).with(\.$installation).all()
        let deliveries = Dictionary(rows.compactMap { row in row.id.map { ($0, row) } }, uniquingKeysWith: { first, _ in first })
        var items: [SyncItem] = []
        var index: [String: Int] = [:]
        var gone: [Job] = []
        let secrets = InstallationSecrets(box: services.secretBox)
        for (job, id) in named {
            guard let delivery = deliveries[id] else {
                gone.append(job)
                continue
            }
            let key = "\(delivery.$installation.id)/\(delivery.oneflowContractID)"
            if let at = index[key] {
                items[at].jobs.append(job)
                continue
            }
            index[key] = items.count
            let installation = delivery.installation
            var item = SyncItem(
                jobs: [job], delivery: delivery, installation: installation, installationID: delivery.$installation.id,
                contractID: delivery.oneflowContractID,
                source: .init(name: "webhook", deliveryID: delivery.id, eventTypes: delivery.eventTypes.split(separator: ",").map(String.init)))
            do {
                let token = installation.status == .disconnected ? nil : try secrets.token(of: installation)
                item.credentials = token.map { OneflowCredentials(token: $0, userEmail: services.config.oneflow.userEmail) }
            } catch {
                item.answer = .failure(error)  // a token we cannot open: the job fails, and is tried again
            }
            items.append(item)
        }
        try await findOthers(&items)
        try await findStored(&items, on: db)
        try await findMappings(&items, on: db)
        if !gone.isEmpty {
            let now = services.clock.now
            _ = try await writer.write(.background) { db in
                try await JobQueue(db: db).succeed(where: "id IN (\(binds: gone.compactMap(\.id)))", now: now)
            }
        }
        for (job, error) in unreadable { await fail(job, SyncFailure(error)) }
        return items
    }

    /// The contracts' other queued deliveries, one query per installation (connected ones:
    /// a disconnected installation's deliveries are each ignored on their own).
    private func findOthers(_ items: inout [SyncItem]) async throws {
        let held = Set(items.flatMap(\.jobs).compactMap(SyncWorker.deliveryID(of:)))
        let connected = items.filter { $0.credentials != nil }
        for installationID in Set(connected.map(\.installationID)) {
            let contracts = connected.filter { $0.installationID == installationID }.map(\.contractID)
            let pending = try await CoveredDeliveries(db: db).pending(contractIDs: contracts, installationID: installationID, except: held)
            for i in items.indices where items[i].installationID == installationID && items[i].credentials != nil {
                items[i].others = pending[items[i].contractID] ?? []
            }
        }
    }

    /// Each item's installation's data-field mapping (`FieldSet`), one query for the batch.
    func findMappings(_ items: inout [SyncItem], on db: any Database) async throws {
        let mappings = try await FieldSets.of(Set(items.map(\.installationID)), config: services.config, on: db).mapValues(\.mapping)
        let configured = FieldSet.configured(services.config).mapping
        for i in items.indices { items[i].mapping = mappings[items[i].installationID] ?? configured }
    }

    /// What is stored of each contract — known here, and its PDF's size — one query per
    /// installation: before the fetch, so that a stored PDF is not downloaded again; and
    /// inside the write, where another worker may have stored one meanwhile.
    func findStored(_ items: inout [SyncItem], on db: any Database) async throws {
        let sql = try db.sql()
        for installationID in Set(items.map(\.installationID)) {
            let contracts = items.filter { $0.installationID == installationID }.map(\.contractID)
            let rows = try await sql.raw(
                """
                SELECT c.oneflow_contract_id, d.size FROM employment_contracts c LEFT JOIN documents d ON d.contract_id = c.id
                WHERE c.installation_id = \(bind: installationID) AND c.oneflow_contract_id IN (\(binds: contracts))
                """
            ).all()
            var stored: [Int: SyncDecision.Stored] = [:]
            for row in rows {
                stored[try row.decode(column: "oneflow_contract_id", as: Int.self)] = .init(pdfSize: try row.decode(column: "size", as: Int?.self))
            }
            for i in items.indices where items[i].installationID == installationID {
                items[i].stored = stored[items[i].contractID]
            }
        }
        try await findErased(&items, on: db)
    }

    /// Which contracts' employees were erased (`ErasedContract`), one query per installation:
    /// at load, so they are not fetched; and inside the write, under the installation's lock,
    /// where an erasure may have happened since.
    func findErased(_ items: inout [SyncItem], on db: any Database) async throws {
        let sql = try db.sql()
        for installationID in Set(items.map(\.installationID)) {
            let contracts = items.filter { $0.installationID == installationID }.map(\.contractID)
            let rows = try await sql.raw(
                """
                SELECT oneflow_contract_id FROM erased_contracts
                WHERE installation_id = \(bind: installationID) AND oneflow_contract_id IN (\(binds: contracts))
                """
            ).all()
            let erased = Set(try rows.map { try $0.decode(column: "oneflow_contract_id", as: Int.self) })
            for i in items.indices where items[i].installationID == installationID {
                items[i].erased = erased.contains(items[i].contractID)
            }
        }
    }

    // MARK: Fetch

    /// Fetches every contract at once; right after its own fetch, each signed contract of
    /// ours whose PDF is not stored downloads it, without waiting for the other fetches.
    /// https://developer.oneflow.com/reference/get-contract,
    /// https://developer.oneflow.com/docs/download-a-contract-file
    private func fetch(_ items: [SyncItem]) async -> [SyncItem] {
        let oneflow = services.oneflow
        let store = DocumentStore(db: db, dataDirectory: services.config.dataDirectory)
        return await withTaskGroup(of: (Int, SyncItem).self) { group in
            for (i, item) in items.enumerated() {
                guard let credentials = item.credentials, !item.erased else { continue }
                group.addTask {
                    var item = item
                    do {
                        let contract = try await oneflow.contract(credentials, id: item.contractID)
                        item.answer = .success(contract)
                        if SyncDecision.needsPDF(contract, ourTemplateType: item.installation.templateTypeID, stored: item.stored) {
                            do {
                                item.download = .success(
                                    try await store.download(oneflow: oneflow, credentials: credentials, oneflowContractID: item.contractID))
                            } catch {
                                item.download = .failure(await Self.explained(error, credentials, oneflow))
                            }
                        }
                    } catch {
                        item.answer = .failure(await Self.explained(error, credentials, oneflow))
                    }
                    return (i, item)
                }
            }
            var fetched = items
            for await (i, item) in group { fetched[i] = item }
            return fetched
        }
    }

    /// A 401 that is not the token's (`UnauthorizedCause`) must not disconnect the installation: it
    /// becomes a failure that is tried again, with a message that says what to fix.
    private static func explained(_ error: any Error, _ credentials: OneflowCredentials, _ oneflow: any OneflowClient) async -> any Error {
        guard let oneflow401 = error as? OneflowError, oneflow401.isUnauthorized else { return error }
        switch await UnauthorizedCause.of(credentials, oneflow: oneflow) {
        case .token: return error
        case .userEmail: return SyncFailure(consequence: .retry, message: UnauthorizedCause.userEmailMessage)
        case .unknown: return SyncFailure(consequence: .retry, message: oneflow401.description)
        }
    }

    // MARK: Decide

    private func decide(_ items: [SyncItem]) -> [SyncItem] {
        let now = services.clock.now
        return items.map { item in
            var item = item
            item.decision = SyncDecision.decide(item.decisionInput, mapping: item.mapping, now: now)
            return item
        }
    }

    // MARK: After the write

    /// Counts and logs each contract's outcome, after the write committed.
    /// - Returns: held jobs nobody answered.
    func finish(_ items: [SyncItem]) -> [Job] {
        var again: [Job] = []
        for item in items {
            if item.disconnects {
                logger.warning("installation disconnected: Oneflow answered 401", metadata: ["installation": "\(item.installationID)"])
            }
            let held = item.jobs.dropFirst()
            if let failure = item.failure {
                if let lead = item.jobs.first { report(failure, job: lead, contractID: item.contractID, status: item.failedStatus) }
                again += held
                continue
            }
            if item.delivery != nil {
                for _ in 0...item.settled.count { services.metrics.outcome(item.status) }
            }
            if item.outcome != nil {
                logger.info("sync: contract applied", metadata: ["contract": "\(item.contractID)", "outcome": "\(item.summary)"])
            }
            let answered = Set(item.settled)
            again += held.filter { SyncWorker.deliveryID(of: $0).map(answered.contains) != true }
        }
        return again
    }

}

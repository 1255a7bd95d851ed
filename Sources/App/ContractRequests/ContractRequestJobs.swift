import Fluent
import Foundation
import Logging
import OneflowAPI
import SQLKit

/// The contract-request jobs (`JobRunner`): create the contract in Oneflow exactly once, then
/// publish it when asked. `shared/oneflow-contract-creation.md` §0, §4, §6.
///
/// - Exactly once: `POST /v1/contracts/create` has no idempotency key, and a call may have made
///   a contract whose answer never came back (a crash before our commit, a timeout, a gateway
///   error). Each call is counted on the request and committed before it is made, by one
///   attempt at a time (`claimCreate`); an attempt that finds an earlier one looks for the
///   request's correlation data field (`RequestCorrelation`) before creating.
/// - Oneflow's 5xx and lost answers are retried with backoff, its 429 after a minute without
///   using up an attempt (`JobQueue.fail`); its other 4xx are the request's
///   failure, in words. A refused publish (402 on a plan without publishing, …) leaves a draft
///   with the reason, to be sent later.
struct ContractRequestJobs: JobRunner {
    let services: AppServices

    var kinds: Set<String> { [ContractRequests.jobKind] }

    func prepare(on worker: WorkerContext) async throws {}

    /// Jobs of a claimed batch at once, a few at a time: each waits on Oneflow most of its time
    /// (a batch one after another sent 66 requests/s; bench/RESULTS.md). They are independent;
    /// their writes take the installation's lock.
    static let concurrentJobs = 8

    func run(_ jobs: [Job], on worker: WorkerContext) async -> [Job] {
        await withTaskGroup(of: Void.self) { group in
            for (index, job) in jobs.enumerated() {
                if index >= Self.concurrentJobs { await group.next() }
                group.addTask { await ContractRequestJob(services: services, worker: worker, job: job).run() }
            }
        }
        return []
    }
}

/// One attempt at one request's job.
struct ContractRequestJob {
    let services: AppServices
    let worker: WorkerContext
    let job: Job

    /// Worth another attempt later (the job is retried with backoff), with what to tell.
    struct TryAgain: Error {
        var reason: String
        var notBefore: TimeInterval = 0
        /// Oneflow answered, and did not do it (a 429, or a refusal we repaired): a create call
        /// that met this made nothing. Otherwise (no answer, a 5xx) it may have.
        var definite: Bool = false
        /// Oneflow's 429: tried again after `notBefore` without using up an attempt
        /// (`JobQueue.fail`), so a row of a batch that meets the rate limit never fails for it.
        var rateLimited = false
    }

    /// Oneflow said no, for good: the reason in words.
    struct Refused: Error {
        var status: Int?
        var reason: String
        var parameters: [String] = []
    }

    var records: ContractRequestRecords { ContractRequestRecords(services: services) }

    func run() async {
        do {
            try await attempt()
            let (job, now, sync) = (job, services.clock.now, services.config.sync)
            try await worker.writer.write(.background) { db in try await JobQueue(db: db, sync: sync).succeed(job, now: now) }
        } catch let again as TryAgain {
            await retry(again)
        } catch {
            worker.logger.warning(
                "contract request: job failed", metadata: ["job": "\(job.id?.uuidString ?? "")", "error": "\(ErrorText.log(error))"])
            await retry(TryAgain(reason: "HR Bridge could not record the outcome; trying again."))
        }
    }

    /// Another attempt later; after the last, the request fails (or its draft says why it was not sent).
    private func retry(_ again: TryAgain) async {
        let (job, now, sync, records) = (job, services.clock.now, services.config.sync, records)
        do {
            let dead = try await worker.writer.write(.background) { db in
                try await JobQueue(db: db, sync: sync).fail(
                    job, error: again.reason, retryable: true, notBefore: again.notBefore, countsAttempt: !again.rateLimited, now: now)
            }
            guard dead, let request = try await request() else { return }
            let reason = "Gave up after \(job.attempts) attempts: \(again.reason)" + Self.mayExist(request)
            _ = try await worker.writer.transaction(.background) { tx in try await records.stopped(request, reason: reason, on: tx) }
        } catch {
            worker.logger.error("contract request: a failure could not be recorded", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }

    private func request() async throws -> ContractRequest? {
        let payload = try JSONDecoder().decode(ContractRequests.Payload.self, from: Data(job.payload.utf8))
        return try await ContractRequest.find(payload.request_id, on: worker.db)
    }

    private func attempt() async throws {
        guard var request = try await request(), [.queued, .draft].contains(request.state) else { return }
        let plan = try JSONDecoder().decode(ContractRequestPlan.self, from: Data(request.input.utf8))
        let records = records
        let installation = try await Installation.find(request.$installation.id, on: worker.db)
        guard let installation, let (token, typeID) = try? SendingSettingsService.connection(installation, box: services.secretBox) else {
            let reason = ContractRequestError.notConnected.reason + Self.mayExist(request)
            _ = try await worker.writer.transaction(.background) { [request] tx in try await records.stopped(request, reason: reason, on: tx) }
            return
        }
        let call = Call(
            caller: InstallationCaller(writer: worker.writer, logger: worker.logger, clock: services.clock, oneflow: services.oneflow),
            installation: installation, credentials: OneflowCredentials(token: token, userEmail: request.senderEmail), oneflow: services.oneflow)

        if request.state == .queued {
            let contract: Contract
            do {
                contract = try await create(request, plan: plan, typeID: typeID, call)
            } catch let refused as Refused {
                let reason = refused.reason + Self.mayExist(request)
                _ = try await worker.writer.transaction(.background) { [request] tx in
                    try await records.failed(request, reason: reason, on: tx)
                }
                return
            }
            request = try await worker.writer.transaction(.background) { [request] tx in
                try await records.created(request, contract: contract, plan: plan, on: tx)
            }
        }
        guard request.state == .draft, request.send, let contractID = request.oneflowContractID else { return }
        do {
            let sent = try await call.run { try await $0.publishContract($1, contractID: contractID, subject: plan.subject, message: plan.message) }
            _ = try await worker.writer.transaction(.background) { [request] tx in try await records.changed(request, contract: sent, on: tx) }
        } catch let refused as Refused {
            // A 409 after a lost answer: perhaps it was published. Then what Oneflow has is the truth.
            if refused.status == 409, let now = try? await call.run({ try await $0.contract($1, id: contractID) }), now.state != .draft {
                _ = try await worker.writer.transaction(.background) { [request] tx in try await records.changed(request, contract: now, on: tx) }
                return
            }
            _ = try await worker.writer.transaction(.background) { [request] tx in try await records.notSent(request, reason: refused.reason, on: tx)
            }
        }
    }

    /// The request's contract: the one an earlier attempt made, found by the correlation field,
    /// else a new one.
    private func create(_ request: ContractRequest, plan: ContractRequestPlan, typeID: Int, _ call: Call) async throws -> Contract {
        let requestID = try request.requireID()
        let earlier = try await claimCreate(request)
        // The claim ends with the contract's record (`ContractRequestRecords.created`, in its
        // transaction), or here when Oneflow answered that it made nothing. After no answer or
        // a 5xx it stays: Oneflow may still be making the contract, and the next attempt waits
        // until that call's deadline has passed before it looks for it.
        do {
            return try await findOrCreate(request, plan: plan, typeID: typeID, lookFirst: earlier > 0, call)
        } catch let refused as Refused {
            try? await endCreate(requestID)
            throw refused
        } catch let again as TryAgain where again.definite {
            try? await endCreate(requestID)
            throw again
        }
    }

    private func findOrCreate(_ request: ContractRequest, plan: ContractRequestPlan, typeID: Int, lookFirst: Bool, _ call: Call) async throws
        -> Contract
    {
        let requestID = try request.requireID()
        if lookFirst {
            let query = ContractQuery(limit: 1, filters: ["data_field_match": "\(RequestCorrelation.customID):\(requestID.uuidString)"])
            if let earlier = try await call.run({ try await $0.contracts($1, query: query) }).data.first {
                worker.logger.info("contract request: found the contract an earlier attempt made", metadata: ["request": "\(requestID)"])
                return try await call.run { try await $0.contract($1, id: earlier.id) }
            }
        }
        let personalNumber = try request.personalNumberSealed.map(services.secretBox.open)
        do {
            return try await call.run { try await $0.createContract($1, plan.createInput(requestID: requestID, personalNumber: personalNumber)) }
        } catch let refused as Refused where refused.status == 400 && refused.parameters.contains(where: { $0.contains("custom_id") }) {
            // A group provisioned before contract requests existed lacks the correlation field:
            // the complete set is PUT again (as setup does), and the next attempt creates.
            guard try await addCorrelationField(typeID: typeID, installationID: request.$installation.id, call) else { throw refused }
            throw TryAgain(reason: "The template group lacked the field HR Bridge finds its contracts by; it was added.", definite: true)
        }
    }

    /// Counts a create call on the request, committed before the call, if no other attempt is
    /// making one (begun less than a call's deadline ago). - Returns: the calls begun before this one.
    private func claimCreate(_ request: ContractRequest) async throws -> Int {
        let now = services.clock.now
        let window = TimeInterval(services.config.oneflow.timeoutSeconds + 5)
        let (id, seen) = (try request.requireID(), request.createAttempts)
        let claimed = try await worker.writer.write(.background) { db in
            try await db.sql().raw(
                """
                UPDATE contract_requests SET create_attempts = create_attempts + 1, create_started_at = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND state = \(bind: ContractRequest.State.queued.rawValue) AND create_attempts = \(bind: seen)
                    AND (create_started_at IS NULL OR create_started_at < \(bind: now.addingTimeInterval(-window)))
                RETURNING id
                """
            ).all()
        }
        guard !claimed.isEmpty else {
            throw TryAgain(reason: "Another attempt is creating this contract in Oneflow; looking again once it must have ended.", notBefore: window)
        }
        return seen
    }

    private func endCreate(_ id: UUID) async throws {
        _ = try await worker.writer.write(.background) { db in
            try await db.sql().raw("UPDATE contract_requests SET create_started_at = NULL WHERE id = \(bind: id)").run()
        }
    }

    /// PUTs our complete data-field set when the group lacks the correlation field. - Returns: whether it did.
    private func addCorrelationField(typeID: Int, installationID: UUID, _ call: Call) async throws -> Bool {
        let fields = try await call.run { try await $0.templateType($1, id: typeID) }.dataFields ?? []
        guard !fields.contains(where: { $0.customID == RequestCorrelation.customID }) else { return false }
        let ours = try await FieldSets.one(installationID, config: services.config, on: worker.db)
        let planned = ours.plan(existing: fields)
        _ = try await call.run { try await $0.replaceDataFields($1, templateTypeID: typeID, planned) }
        worker.logger.info("contract requests: correlation data field added", metadata: ["template_type_id": "\(typeID)"])
        return true
    }

    /// For a request that failed after a create call began: where to look for what it may have made.
    static func mayExist(_ request: ContractRequest) -> String {
        guard request.state == .queued, request.createAttempts > 0, let id = request.id else { return "" }
        return " A contract may have been created in Oneflow before: look for data field \(RequestCorrelation.customID) = \(id.uuidString)."
    }

    /// A call to Oneflow as the request's sender: 5xx, 429 and no answer are `TryAgain`, other
    /// refusals `Refused`; a revoked token disconnects the installation (`InstallationCaller`).
    struct Call {
        let caller: InstallationCaller
        let installation: Installation
        let credentials: OneflowCredentials
        let oneflow: any OneflowClient

        func run<T>(_ body: (any OneflowClient, OneflowCredentials) async throws -> T) async throws -> T {
            do {
                return try await caller.call(installation, credentials) { try await body(oneflow, credentials) }
            } catch let error as OneflowError {
                if error.isRetryable || error.kind == .decoding {
                    throw TryAgain(
                        reason: OneflowWords.explain(error), notBefore: error.isRateLimited ? 60 : 0, definite: !error.outcomeUnknown,
                        rateLimited: error.isRateLimited)
                }
                throw Refused(status: error.status, reason: OneflowWords.explain(error), parameters: Array(error.parameterProblems.keys))
            }
        }
    }
}

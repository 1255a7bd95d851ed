import Fluent
import Foundation
import Logging
import OneflowAPI

/// The contract-request jobs (`JobRunner`): create the contract in Oneflow exactly once, then
/// publish it when asked. `shared/oneflow-contract-creation.md` §0, §4, §6.
///
/// - Exactly once: `POST /v1/contracts/create` has no idempotency key, and an attempt may
///   have made a contract whose answer never came back (a crash before our commit, a timeout,
///   a gateway error). Every attempt after the first looks for the request's correlation data
///   field (`RequestCorrelation`) before creating.
/// - Oneflow's 5xx, 429 and lost answers are retried with backoff; its 4xx are the request's
///   failure, in words. A refused publish (402 on a plan without publishing, …) leaves a draft
///   with the reason, to be sent later.
struct ContractRequestJobs: JobRunner {
    let services: AppServices

    var kinds: Set<String> { [ContractRequests.jobKind] }

    func prepare(on worker: WorkerContext) async throws {}

    func run(_ jobs: [Job], on worker: WorkerContext) async -> [Job] {
        for job in jobs { await ContractRequestJob(services: services, worker: worker, job: job).run() }
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
    }

    var records: ContractRequestRecords { ContractRequestRecords(services: services) }
    var queue: (any Database) -> JobQueue {
        { [config = services.config] db in
            JobQueue(db: db, lease: TimeInterval(config.sync.leaseSeconds), retryBase: config.sync.retryBaseSeconds)
        }
    }

    func run() async {
        let id = job.id?.uuidString ?? ""
        do {
            try await attempt()
            let (queue, job, now) = (queue, job, services.clock.now)
            try await worker.writer.write(.background) { db in try await queue(db).succeed(job, now: now) }
        } catch let again as TryAgain {
            await retry(again)
        } catch {
            worker.logger.warning("contract request: job failed", metadata: ["job": "\(id)", "error": "\(ErrorText.log(error))"])
            await retry(TryAgain(reason: "HR Bridge could not record the outcome; trying again."))
        }
    }

    private func retry(_ again: TryAgain) async {
        let (queue, job, now, records) = (queue, job, services.clock.now, records)
        do {
            let dead = try await worker.writer.write(.background) { db in
                try await queue(db).fail(job, error: again.reason, retryable: true, notBefore: again.notBefore, now: now)
            }
            guard dead, let request = try await request() else { return }
            let reason = "Gave up after \(job.attempts) attempts: \(again.reason)"
            try await worker.writer.transaction(.background) { tx in
                if request.state == .queued {
                    try await records.failed(request, reason: reason, on: tx)
                } else if request.state == .draft {
                    try await records.notSent(request, reason: reason, on: tx)
                }
            }
        } catch {
            worker.logger.error("contract request: a failure could not be recorded", metadata: ["error": "\(ErrorText.log(error))"])
        }
    }

    private func request() async throws -> ContractRequest? {
        let payload = try JSONDecoder().decode(ContractRequests.Payload.self, from: Data(job.payload.utf8))
        return try await ContractRequest.find(payload.request_id, on: worker.db)
    }

    private func attempt() async throws {
        guard let request = try await request(), [.queued, .draft].contains(request.state) else { return }
        let plan = try JSONDecoder().decode(ContractRequestPlan.self, from: Data(request.input.utf8))
        let records = records
        guard let installation = try await Installation.find(request.$installation.id, on: worker.db), installation.status == .active,
            let token = try InstallationSecrets(box: services.secretBox).token(of: installation)
        else {
            try await worker.writer.transaction(.background) { tx in
                try await records.failed(request, reason: ContractRequestError.notConnected.reason, on: tx)
            }
            return
        }
        let call = Call(
            caller: InstallationCaller(writer: worker.writer, logger: worker.logger, clock: services.clock, oneflow: services.oneflow),
            installation: installation, credentials: OneflowCredentials(token: token, userEmail: request.senderEmail), oneflow: services.oneflow)

        if request.state == .queued {
            let contract: Contract
            do {
                contract = try await create(request, plan: plan, call)
            } catch let refused as Refused {
                try await worker.writer.transaction(.background) { tx in try await records.failed(request, reason: refused.reason, on: tx) }
                return
            }
            try await worker.writer.transaction(.background) { tx in try await records.created(request, contract: contract, plan: plan, on: tx) }
        }
        guard request.state == .draft, request.send, let contractID = request.oneflowContractID else { return }
        do {
            let sent = try await call.run { try await $0.publishContract($1, contractID: contractID, subject: plan.subject, message: plan.message) }
            try await worker.writer.transaction(.background) { tx in try await records.changed(request, contract: sent, on: tx) }
        } catch let refused as Refused {
            // A 409 after a lost answer: perhaps it was published. Then what Oneflow has is the truth.
            if refused.status == 409, let now = try? await call.run({ try await $0.contract($1, id: contractID) }), now.state != .draft {
                try await worker.writer.transaction(.background) { tx in try await records.changed(request, contract: now, on: tx) }
                return
            }
            try await worker.writer.transaction(.background) { tx in try await records.notSent(request, reason: refused.reason, on: tx) }
        }
    }

    /// The request's contract: the one an earlier attempt made, found by the correlation field,
    /// else a new one.
    private func create(_ request: ContractRequest, plan: ContractRequestPlan, _ call: Call) async throws -> Contract {
        let requestID = try request.requireID()
        if job.attempts > 1 {
            let query = ContractQuery(limit: 1, filters: ["data_field_match": "\(RequestCorrelation.customID):\(requestID.uuidString)"])
            if let earlier = try await call.run({ try await $0.contracts($1, query: query) }).data.first {
                worker.logger.info("contract request: found the contract an earlier attempt made", metadata: ["request": "\(requestID)"])
                return try await call.run { try await $0.contract($1, id: earlier.id) }
            }
        }
        let personalNumber = try request.personalNumberSealed.map(services.secretBox.open)
        return try await call.run { try await $0.createContract($1, plan.createInput(requestID: requestID, personalNumber: personalNumber)) }
    }

    /// Oneflow said no, for good: the reason in words.
    struct Refused: Error {
        var status: Int?
        var reason: String
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
                    throw TryAgain(reason: OneflowWords.explain(error), notBefore: error.isRateLimited ? 60 : 0)
                }
                throw Refused(status: error.status, reason: OneflowWords.explain(error))
            }
        }
    }
}

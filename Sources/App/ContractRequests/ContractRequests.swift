import Fluent
import Foundation
import Logging
import OneflowAPI
import SQLKit
import Vapor

/// Contract requests, for the JSON API and the admin pages alike: take one (checked, with its
/// `Idempotency-Key`), read them, send a draft, delete a draft. Creating and sending in
/// Oneflow is the job's (`ContractRequestJobs`); the answer does not wait on it.
struct ContractRequests {
    let services: AppServices
    let db: any Database
    let catalogs: SendingCatalogs
    let logger: Logger
    /// Where its writes run: Fluent on `db`, or the caller's (a worker's: the write thread).
    let writer: any DatabaseWriter

    init(services: AppServices, db: any Database, catalogs: SendingCatalogs, logger: Logger, writer: (any DatabaseWriter)? = nil) {
        self.services = services
        self.db = db
        self.catalogs = catalogs
        self.logger = logger
        self.writer = writer ?? services.storage.writer(on: db)
    }

    static let jobKind = "contract-request"

    /// Checks the request against the installation's catalog and its employee, stores it with
    /// its job, and returns it `queued`. The same key with the same body returns the first
    /// request, whoever stored it (two at once: the unique key lets one in); with another
    /// body it is refused.
    func submit(_ input: ContractRequestInput, installationID: UUID, idempotencyKey: String?, createdBy: String) async throws -> ContractRequest {
        let fingerprint = input.fingerprint
        if let key = idempotencyKey, let earlier = try await find(key: key, installationID: installationID) {
            return try Self.repeated(earlier, fingerprint: fingerprint)
        }
        let (plan, personalNumber) = try await check(input, installationID: installationID)
        let request = try record(
            plan, personalNumber: personalNumber, installationID: installationID, idempotencyKey: idempotencyKey, requestHash: fingerprint,
            createdBy: createdBy)
        let (maxAttempts, now) = (services.config.sync.maxAttempts, services.clock.now)
        do {
            try await writer.transaction(.background) { tx in
                // An erasure holds the same lock: the employee checked above is still there, or the request is not made.
                try await InstallationLock.acquire(installationID, on: tx)
                if let employeeID = plan.employeeID, try await Employee.find(employeeID, on: tx) == nil {
                    throw Abort(.notFound, reason: "No such employee.")
                }
                try await request.create(on: tx)
                try await ContractRequestEvent(requestID: try request.requireID(), state: .queued, note: ContractRequestFollower.note(for: .queued))
                    .create(on: tx)
                try await Self.enqueueJob(for: try request.requireID(), maxAttempts: maxAttempts, now: now, on: tx)
            }
        } catch {
            // The same key, stored meanwhile by another request: answer as it was answered.
            if let key = idempotencyKey, let earlier = try await find(key: key, installationID: installationID) {
                return try Self.repeated(earlier, fingerprint: fingerprint)
            }
            throw error
        }
        logger.info("contract request queued", metadata: ["request": "\(request.id?.uuidString ?? "")", "installation": "\(installationID)"])
        return request
    }

    /// A checked request as stored, `queued`: the plan as JSON, the personal number sealed.
    func record(
        _ plan: ContractRequestPlan, personalNumber: String?, installationID: UUID, idempotencyKey: String?, requestHash: String, createdBy: String
    ) throws -> ContractRequest {
        ContractRequest(
            installationID: installationID, employeeID: plan.employeeID, idempotencyKey: idempotencyKey, requestHash: requestHash,
            input: String(decoding: try JSONEncoder.sorted.encode(plan), as: UTF8.self),
            personalNumberSealed: try personalNumber.map(services.secretBox.seal), name: plan.name, send: plan.send,
            workspaceID: plan.workspaceID, templateID: plan.templateID, senderEmail: plan.senderEmail, createdBy: createdBy)
    }

    struct Payload: Codable { var request_id: UUID }

    /// The request's job: create it in Oneflow, or send its draft.
    static func enqueueJob(for id: UUID, maxAttempts: Int, now: Date, on tx: any Database) async throws {
        try await JobQueue(db: tx).enqueue(kind: jobKind, payload: Payload(request_id: id), maxAttempts: maxAttempts, runAt: now, on: tx)
    }

    /// What the request would make (`ContractRequestCheck`), or every problem with it: what
    /// `submit` stores, and what the admin's preview shows.
    func check(_ input: ContractRequestInput, installationID: UUID) async throws -> (ContractRequestPlan, personalNumber: String?) {
        let employee = try await employee(input.employee_id, installationID: installationID)
        return try await checker(installationID: installationID).plan(input, employee: employee).get()
    }

    /// The check against the installation's catalog, for one request or every row of a batch.
    func checker(installationID: UUID) async throws -> ContractRequestCheck {
        guard let installation = try await Installation.find(installationID, on: db) else { throw ContractRequestError.noInstallation }
        return ContractRequestCheck(config: services.config, catalog: try await catalog(for: installation), company: installation.accountName)
    }

    private static func repeated(_ earlier: ContractRequest, fingerprint: String) throws -> ContractRequest {
        guard earlier.requestHash == fingerprint else { throw ContractRequestError.keyReused }
        return earlier
    }

    private func find(key: String, installationID: UUID) async throws -> ContractRequest? {
        try await ContractRequest.query(on: db).filter(\.$installation.$id == installationID).filter(\.$idempotencyKey == key).first()
    }

    /// The installation's catalog (kept a minute, `SendingCatalogs`).
    func catalog(for installation: Installation) async throws -> SendingCatalog {
        let loader = SendingCatalogLoader(services: services, db: db, writer: writer, logger: logger)
        return try await catalogs.catalog(for: try installation.requireID(), now: services.clock.now) { try await loader.load(installation) }
    }

    /// The employee a request names, within the installation; nil when there is none.
    func employee(_ id: UUID?, installationID: UUID) async throws -> ContractRequestCheck.Employee? {
        guard let id else { return nil }
        return try await employees([id], installationID: installationID)[id]
    }

    /// The employees `ids` names within the installation, in one query (a batch's rows).
    func employees(_ ids: Set<UUID>, installationID: UUID) async throws -> [UUID: ContractRequestCheck.Employee] {
        guard !ids.isEmpty else { return [:] }
        var found: [UUID: ContractRequestCheck.Employee] = [:]
        for e in try await Employee.query(on: db).filter(\.$id ~~ Array(ids)).filter(\.$installation.$id == installationID).all() {
            found[try e.requireID()] = try checked(e)
        }
        return found
    }

    private func checked(_ e: Employee) throws -> ContractRequestCheck.Employee {
        let id = try e.requireID()
        let fields = (try? JSONDecoder().decode([String: String].self, from: Data(e.fields.utf8))) ?? [:]
        // Custom HR fields a data field maps to are kept with the custom fields (`ContractMapper`).
        let custom = (try? JSONDecoder().decode([String: String].self, from: Data(e.customFields.utf8))) ?? [:]
        var merged = custom.merging(fields) { _, standard in standard }
        if let number = e.employeeNumber { merged[HRField.employeeNumber.rawValue] = merged[HRField.employeeNumber.rawValue] ?? number }
        return ContractRequestCheck.Employee(
            id: id, name: e.name, email: e.email, phone: e.phone, title: e.title,
            personalNumber: try e.personalNumberSealed.map(services.secretBox.open), fields: merged)
    }

    /// A request the caller may see: another installation's is absent.
    func request(_ id: UUID?, visibleTo mayRead: (UUID) -> Bool) async throws -> ContractRequest {
        guard let id, let request = try await ContractRequest.find(id, on: db), mayRead(request.$installation.id) else {
            throw ContractRequestError.notFound
        }
        return request
    }

    func history(of request: ContractRequest) async throws -> [ContractRequestEvent] {
        try await ContractRequestEvent.query(on: db).filter(\.$request.$id == request.requireID()).sort(\.$createdAt).sort(\.$id).all()
    }

    /// Sends a draft: the job publishes it. Once: a draft being sent (asked, and not refused
    /// since) is not asked again, so two clicks make one job.
    func send(_ request: ContractRequest) async throws -> ContractRequest {
        let (maxAttempts, now, id) = (services.config.sync.maxAttempts, services.clock.now, try request.requireID())
        let installationID = request.$installation.id
        let asked = try await writer.transaction(.background) { tx in
            // As a batch's cancel decides under it: a send and a cancel do not cross.
            try await InstallationLock.acquire(installationID, on: tx)
            let rows = try await tx.sql().raw(
                """
                UPDATE contract_requests SET send = \(bind: true), failure = NULL, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND state = \(bind: ContractRequest.State.draft.rawValue) AND (send = \(bind: false) OR failure IS NOT NULL)
                  AND NOT EXISTS (
                    SELECT 1 FROM contract_batches WHERE contract_batches.id = contract_requests.batch_id
                      AND contract_batches.state IN (\(bind: ContractBatch.State.cancelling.rawValue), \(bind: ContractBatch.State.cancelled.rawValue)))
                RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            try await ContractRequestEvent(requestID: id, state: .draft, note: "Asked to send.").create(on: tx)
            try await Self.enqueueJob(for: id, maxAttempts: maxAttempts, now: now, on: tx)
            return true
        }
        let fresh = try await ContractRequest.find(id, on: db) ?? request
        guard asked else {
            guard fresh.state == .draft else { throw ContractRequestError.notDraft(fresh.state) }
            // Cancelling a batch deletes its drafts: one sent meanwhile would stay in Oneflow.
            if let batchID = fresh.batchID, let batch = try await ContractBatch.find(batchID, on: db),
                [.cancelling, .cancelled].contains(batch.state)
            {
                throw ContractRequestError.batchCancelled
            }
            throw ContractRequestError.alreadySending
        }
        return fresh
    }

    /// Deletes a draft in Oneflow, then here: its contract is marked deleted, and the request
    /// follows. The HR admin waits for it: a delete is not worth a job, and its answer says
    /// whether Oneflow has it still.
    func delete(_ request: ContractRequest) async throws -> ContractRequest {
        guard request.state == .draft, let contractID = request.oneflowContractID else { throw ContractRequestError.notDraft(request.state) }
        guard let installation = try await Installation.find(request.$installation.id, on: db),
            let (token, _) = try? SendingSettingsService.connection(installation, box: services.secretBox)
        else { throw ContractRequestError.notConnected }
        let credentials = OneflowCredentials(token: token, userEmail: request.senderEmail)
        let caller = InstallationCaller(writer: writer, logger: logger, clock: services.clock, oneflow: services.oneflow)
        do {
            try await caller.call(installation, credentials) { try await services.oneflow.deleteContract(credentials, contractID: contractID) }
        } catch let error as OneflowError where error.isNotFound {
            // Already gone in Oneflow: delete it here too.
        } catch let error as OneflowError {
            throw ContractRequestError.oneflowUnavailable(OneflowWords.explain(error))
        }
        let records = ContractRequestRecords(services: services)
        return try await writer.transaction(.background) { tx in try await records.deleted(request, on: tx) }
    }
}

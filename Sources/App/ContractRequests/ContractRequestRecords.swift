import Fluent
import Foundation
import OneflowAPI

/// What a contract request's job (or a delete) writes, each in the caller's transaction,
/// through the same `HRRecordWriter` the webhook path uses: the contract Oneflow answered
/// becomes the HR records, and the request follows its contract (`ContractRequestFollower`).
///
/// Each takes the installation's lock (`InstallationLock`) and reads the request again under
/// it: the job's copy was read before its Oneflow calls, and meanwhile a webhook, a delete or
/// another attempt may have moved it. Each returns the request as it is now.
struct ContractRequestRecords {
    let services: AppServices

    var contractPage: @Sendable (Int) -> String { services.config.oneflowContractPages }

    /// Oneflow created the contract: its employee (the one named, or a new one made from the
    /// new hire, "contract sent"), its employment contract linked to both, and the request
    /// `draft` with the contract's id. Nothing when another attempt recorded it first.
    func created(_ request: ContractRequest, contract: Contract, plan: ContractRequestPlan, on tx: any Database) async throws -> ContractRequest {
        let (fresh, outbox) = try await locked(request, on: tx)
        guard fresh.state == .queued, fresh.oneflowContractID == nil else { return fresh }
        let installationID = fresh.$installation.id
        // The webhook path may have seen the contract first: then its row is linked, and its employee kept.
        let row = try await EmploymentContract.query(on: tx).filter(\.$installation.$id == installationID)
            .filter(\.$oneflowContractID == contract.id).first()
        let employeeID = try await employee(for: fresh, known: row?.$employee.id, plan: plan, on: tx)
        if let row {
            row.contractRequestID = try fresh.requireID()
            if row.$employee.id == nil { row.$employee.id = employeeID }
            try await row.save(on: tx)
        } else {
            let new = EmploymentContract(installationID: installationID, oneflowContractID: contract.id, status: contract.state.rawValue)
            new.$employee.id = employeeID
            new.contractRequestID = try fresh.requireID()
            try await new.create(on: tx)
        }
        fresh.$employee.id = employeeID
        fresh.oneflowContractID = contract.id
        fresh.createStartedAt = nil
        try await apply(contract, installationID: installationID, outbox: outbox, on: tx)
        try await fresh.move(to: .draft, note: "Created in Oneflow as a draft (contract \(contract.id)).", on: tx)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(fresh, on: tx, now: services.clock.now)
        return fresh
    }

    /// Oneflow published it (or says what it is now): the contract's new state, which the request follows.
    func changed(_ request: ContractRequest, contract: Contract, on tx: any Database) async throws -> ContractRequest {
        let (fresh, outbox) = try await locked(request, on: tx)
        try await apply(contract, installationID: fresh.$installation.id, outbox: outbox, on: tx)
        return try await ContractRequest.find(try fresh.requireID(), on: tx) ?? fresh
    }

    /// Publishing was refused: it stays a draft, with the reason, and can be sent later.
    func notSent(_ request: ContractRequest, reason: String, on tx: any Database) async throws -> ContractRequest {
        let (fresh, outbox) = try await locked(request, on: tx)
        guard fresh.state == .draft else { return fresh }
        try await fresh.move(to: .draft, note: "Not sent: \(reason)", failure: reason, on: tx)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(fresh, failed: true, on: tx, now: services.clock.now)
        return fresh
    }

    /// It could not be created.
    func failed(_ request: ContractRequest, reason: String, on tx: any Database) async throws -> ContractRequest {
        let (fresh, outbox) = try await locked(request, on: tx)
        guard fresh.state == .queued else { return fresh }
        try await fresh.move(to: .failed, note: "Failed: \(reason)", failure: reason, on: tx)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(fresh, on: tx, now: services.clock.now)
        return fresh
    }

    /// The job can go no further (gave up, or the installation is gone): a request not yet
    /// created fails, a draft says why it was not sent.
    func stopped(_ request: ContractRequest, reason: String, on tx: any Database) async throws -> ContractRequest {
        request.state == .queued ? try await failed(request, reason: reason, on: tx) : try await notSent(request, reason: reason, on: tx)
    }

    /// The draft was deleted in Oneflow: its contract is marked deleted, and the request follows.
    func deleted(_ request: ContractRequest, on tx: any Database) async throws -> ContractRequest {
        let (fresh, outbox) = try await locked(request, on: tx)
        guard fresh.state == .draft else { return fresh }
        let source = HRRecordWriter.Source(name: "request", deliveryID: nil, eventTypes: [])
        var marked: HRRecordWriter.Outcome?
        if let id = fresh.oneflowContractID {
            marked = try await writer(outbox).markDeleted(oneflowContractID: id, installationID: fresh.$installation.id, source: source, locked: tx)
        }
        guard marked == nil else { return try await ContractRequest.find(try fresh.requireID(), on: tx) ?? fresh }
        try await fresh.move(to: .deleted, note: ContractRequestFollower.note(for: .deleted), on: tx)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(fresh, on: tx, now: services.clock.now)
        return fresh
    }

    /// The request as stored, under its installation's lock, and where its notifications go.
    private func locked(_ request: ContractRequest, on tx: any Database) async throws -> (ContractRequest, Outbox?) {
        let installationID = request.$installation.id
        try await InstallationLock.acquire(installationID, on: tx)
        guard let fresh = try await ContractRequest.find(try request.requireID(), on: tx),
            let installation = try await Installation.find(installationID, on: tx)
        else { throw ContractRequestError.notFound }
        return (fresh, try await Outbox.announcing([installation], fallback: services.config.notify.endpoint != nil, on: tx))
    }

    /// The request's employee: the contract's own when it has one, the one named, else a new
    /// one made from the new hire ("contract sent").
    private func employee(for request: ContractRequest, known: UUID?, plan: ContractRequestPlan, on tx: any Database) async throws -> UUID {
        if let known { return known }
        if let named = request.$employee.id, try await Employee.find(named, on: tx) != nil { return named }
        let hire = Employee(installationID: request.$installation.id)
        hire.name = plan.signer.name
        hire.email = plan.signer.email
        hire.phone = plan.signer.phone
        hire.title = plan.signer.title
        hire.personalNumberSealed = request.personalNumberSealed
        hire.employmentStatus = "CONTRACT_SENT"
        hire.employeeNumber = plan.hrFields[HRField.employeeNumber.rawValue]
        try await hire.create(on: tx)
        try await EmployeeSearch.index([hire], on: tx)
        return try hire.requireID()
    }

    private func writer(_ outbox: Outbox?) -> HRRecordWriter {
        HRRecordWriter(box: services.secretBox, clock: services.clock, outbox: outbox, contractPage: contractPage)
    }

    private func apply(_ contract: Contract, installationID: UUID, outbox: Outbox?, on tx: any Database) async throws {
        let set = try await FieldSets.one(installationID, config: services.config, on: tx)
        let mapped = ContractMapper.map(contract, mapping: set.mapping, now: services.clock.now)
        _ = try await writer(outbox).apply(
            [(mapped, .init(name: "request", deliveryID: nil, eventTypes: []))], installationID: installationID, locked: tx)
    }
}

import Fluent
import Foundation
import OneflowAPI

/// What a contract request's job (or a delete) writes, each in the caller's transaction under
/// the installation's lock (`InstallationLock`), through the same `HRRecordWriter` the
/// webhook path uses: the contract Oneflow answered becomes the HR records, and the request
/// follows its contract (`ContractRequestFollower`).
struct ContractRequestRecords {
    let services: AppServices

    private func outbox(for installationID: UUID, on tx: any Database) async throws -> Outbox? {
        guard let installation = try await Installation.find(installationID, on: tx) else { return nil }
        return try await Outbox.announcing([installation], fallback: services.config.notify.endpoint != nil, on: tx)
    }

    private func writer(_ outbox: Outbox?) -> HRRecordWriter {
        HRRecordWriter(box: services.secretBox, clock: services.clock, outbox: outbox, contractPage: contractPage)
    }

    var contractPage: @Sendable (Int) -> String { { [config = services.config] in config.oneflowContractPage($0) } }

    /// Oneflow created the contract: its employee (the one named, or a new one made from the
    /// new hire, "contract sent"), its employment contract linked to both, and the request
    /// `draft` with the contract's id.
    func created(_ request: ContractRequest, contract: Contract, plan: ContractRequestPlan, on tx: any Database) async throws {
        let installationID = request.$installation.id
        try await InstallationLock.acquire(installationID, on: tx)
        let now = services.clock.now
        let employeeID: UUID
        if let named = request.$employee.id, try await Employee.find(named, on: tx) != nil {
            employeeID = named
        } else {
            let hire = Employee(installationID: installationID)
            hire.name = plan.signer.name
            hire.email = plan.signer.email
            hire.phone = plan.signer.phone
            hire.title = plan.signer.title
            hire.personalNumberSealed = request.personalNumberSealed
            hire.employmentStatus = "CONTRACT_SENT"
            hire.employeeNumber = plan.hrFields[HRField.employeeNumber.rawValue]
            try await hire.create(on: tx)
            employeeID = try hire.requireID()
        }
        if try await EmploymentContract.query(on: tx).filter(\.$installation.$id == installationID)
            .filter(\.$oneflowContractID == contract.id).first() == nil
        {
            let row = EmploymentContract(installationID: installationID, oneflowContractID: contract.id, status: contract.state.rawValue)
            row.$employee.id = employeeID
            row.contractRequestID = try request.requireID()
            try await row.create(on: tx)
        }
        request.$employee.id = employeeID
        request.oneflowContractID = contract.id
        let outbox = try await outbox(for: installationID, on: tx)
        try await apply(contract, installationID: installationID, outbox: outbox, on: tx)
        try await request.move(to: .draft, note: "Created in Oneflow as a draft (contract \(contract.id)).", on: tx)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(request, on: tx, now: now)
    }

    /// Oneflow published it (or says what it is now): the contract's new state, which the request follows.
    func changed(_ request: ContractRequest, contract: Contract, on tx: any Database) async throws {
        let installationID = request.$installation.id
        try await InstallationLock.acquire(installationID, on: tx)
        try await apply(contract, installationID: installationID, outbox: try await outbox(for: installationID, on: tx), on: tx)
    }

    /// Publishing was refused: it stays a draft, with Oneflow's reason, and can be sent later.
    func notSent(_ request: ContractRequest, reason: String, on tx: any Database) async throws {
        try await request.move(to: .draft, note: "Not sent: \(reason)", failure: reason, on: tx)
        let outbox = try await outbox(for: request.$installation.id, on: tx)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(request, failed: true, on: tx, now: services.clock.now)
    }

    /// It could not be created.
    func failed(_ request: ContractRequest, reason: String, on tx: any Database) async throws {
        try await request.move(to: .failed, note: "Failed: \(reason)", failure: reason, on: tx)
        let outbox = try await outbox(for: request.$installation.id, on: tx)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(request, on: tx, now: services.clock.now)
    }

    /// The draft was deleted in Oneflow: its contract is marked deleted, and the request follows.
    func deleted(_ request: ContractRequest, on tx: any Database) async throws {
        let installationID = request.$installation.id
        try await InstallationLock.acquire(installationID, on: tx)
        let outbox = try await outbox(for: installationID, on: tx)
        let marked = try await request.oneflowContractID.asyncMap { id in
            try await writer(outbox).markDeleted(
                oneflowContractID: id, installationID: installationID, source: .init(name: "request", deliveryID: nil, eventTypes: []), locked: tx)
        }
        if marked == nil {
            try await request.move(to: .deleted, note: ContractRequestFollower.note(for: .deleted), on: tx)
            try await ContractRequestFollower(outbox: outbox, contractPage: contractPage).announce(request, on: tx, now: services.clock.now)
        }
    }

    private func apply(_ contract: Contract, installationID: UUID, outbox: Outbox?, on tx: any Database) async throws {
        let mapped = ContractMapper.map(contract, mapping: services.config.mapping, now: services.clock.now)
        _ = try await writer(outbox).apply(
            [(mapped, .init(name: "request", deliveryID: nil, eventTypes: []))], installationID: installationID, locked: tx)
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

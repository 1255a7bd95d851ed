import Fluent
import Foundation

/// A contract request follows its contract: when the webhook path (or the request's own job)
/// writes a new status for a contract made for a request, the request moves with it —
/// `pending` is `sent`, `overdue` is `expired`, `signed`, `declined`, `deleted` — with a
/// history entry and a `contract_request` notification, in the same transaction.
struct ContractRequestFollower {
    let outbox: Outbox?
    /// A Oneflow contract's page (`AppConfig.oneflowContractPage`).
    let contractPage: @Sendable (Int) -> String

    func follow(_ contracts: [EmploymentContract], installationID: UUID, on db: any Database, now: Date) async throws {
        let ids = contracts.compactMap(\.contractRequestID)
        guard !ids.isEmpty else { return }
        let requests = try await ContractRequest.query(on: db).filter(\.$id ~~ ids).all()
        for contract in contracts {
            guard let request = requests.first(where: { $0.id == contract.contractRequestID }),
                let state = ContractRequest.State.following(contractStatus: contract.status), state != request.state,
                Self.mayMove(from: request.state, to: state)
            else { continue }
            if request.$employee.id == nil, let employeeID = contract.$employee.id { request.$employee.id = employeeID }
            try await request.move(to: state, note: Self.note(for: state), on: db)
            try await announce(request, on: db, now: now)
        }
    }

    /// A contract does not go back to draft once sent, and a request that failed stays failed
    /// (its contract, if any, is not ours to follow).
    static func mayMove(from current: ContractRequest.State, to next: ContractRequest.State) -> Bool {
        switch (current, next) {
        case (.failed, _), (.deleted, _), (.cancelled, _): false
        case (_, .draft): current == .queued
        default: true
        }
    }

    static func note(for state: ContractRequest.State) -> String {
        switch state {
        case .queued: "Accepted; the contract is being created in Oneflow."
        case .draft: "Created in Oneflow as a draft."
        case .sent: "Sent for signing."
        case .signed: "Signed by everyone."
        case .declined: "Declined."
        case .expired: "The signing period ended before everyone signed."
        case .deleted: "The contract was deleted."
        case .failed: "Failed."
        case .cancelled: "Cancelled with its batch before it started."
        }
    }

    /// The request's `contract_request` notification, for the state it is in now (`failed`:
    /// a draft that could not be sent, with the reason).
    func announce(_ request: ContractRequest, failed: Bool = false, on db: any Database, now: Date) async throws {
        guard let outbox else { return }
        let reason: Outbox.Reason
        switch request.state {
        case _ where failed: reason = .failed
        // Nothing was made in Oneflow for either: a queued request is answered to whoever asked,
        // and a batch's cancelled rows are in the batch (`GET /api/v1/contract-batches/{id}`).
        case .queued, .cancelled: return
        case .draft: reason = .created
        case .sent: reason = .sent
        case .failed: reason = .failed
        case .signed: reason = .signed
        case .declined: reason = .declined
        case .expired: reason = .expired
        case .deleted: reason = .deleted
        }
        let installationID = request.$installation.id
        let data = try ContractRequestJSON(request, installation: nil, history: nil, contractPage: contractPage)
        try await outbox.record(
            .contractRequest, reason, data: data, subjectID: request.id, employeeID: request.$employee.id,
            installationID: installationID, on: db, now: now)
    }
}

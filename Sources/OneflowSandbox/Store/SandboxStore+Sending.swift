import Foundation

extension SandboxStore {
    /// `POST /v1/contracts/{id}/publish`: a draft with someone to send it to becomes pending and
    /// the invitation goes out; not on a plan without publishing (402).
    /// https://developer.oneflow.com/docs/publish-a-contract
    func publish(account: AccountRecord, contractID: Int, subject: String?, message: String?) throws(SandboxProblem) -> ContractRecord {
        _ = try contract(accountID: account.id, id: contractID)
        try Self.requirePublishing(account)
        guard let subject, !subject.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .invalid("subject", "Required.") }
        guard let message, !message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .invalid("message", "Required.") }
        guard subject.count <= 255 else { throw .invalid("subject", "Must be at most 255 characters.") }
        guard message.count <= 10_000 else { throw .invalid("message", "Must be at most 10000 characters.") }
        return try changeContract(accountID: account.id, id: contractID) { (c, time) throws(SandboxProblem) in
            guard c.state == "draft" else {
                throw SandboxProblem(status: .conflict, detail: "Only a draft can be published; this contract is \(c.state).")
            }
            guard c.parties.contains(where: { !$0.myParty && !$0.participants.isEmpty }) else {
                throw SandboxProblem(status: .conflict, detail: "The contract has no counterparty to send it to.")
            }
            return try self.transition(&c, .publish, at: time)
        }
    }

    /// "The contract publishing feature is not available in the free plan" — through the API,
    /// the sandbox's pages and its control API alike.
    static func requirePublishing(_ account: AccountRecord) throws(SandboxProblem) {
        guard account.canPublish else {
            throw SandboxProblem(status: .paymentRequired, detail: "Publishing contracts is not available on the account's plan.")
        }
    }

    /// A counterparty participant signs (the sandbox's page for the employee): `participant:sign`,
    /// and `contract:sign` once every signatory has signed.
    func sign(contractID: Int, asParticipant participantID: Int) throws(SandboxProblem) -> ContractRecord {
        try decide(contractID: contractID, participantID: participantID) { c, time in
            c.forEachParticipant { if $0.id == participantID { ($0.signState, $0.signStateUpdatedTime) = ("signed", time) } }
            let waiting = c.allParticipants.contains { $0.isSignatory && $0.signState == "undecided" }
            return ["participant:sign"] + (waiting ? [] : Self.signed(&c, at: time))
        }
    }

    /// A counterparty participant declines: the contract is declined.
    func decline(contractID: Int, asParticipant participantID: Int) throws(SandboxProblem) -> ContractRecord {
        try decide(contractID: contractID, participantID: participantID) { c, time in
            c.forEachParticipant { if $0.id == participantID { ($0.signState, $0.signStateUpdatedTime) = ("declined", time) } }
            (c.state, c.stateUpdatedTime) = ("declined", time)
            return ["participant:decline", "contract:decline"]
        }
    }

    private func decide(
        contractID: Int, participantID: Int,
        _ change: @escaping (inout ContractRecord, Date) -> [String]
    ) throws(SandboxProblem) -> ContractRecord {
        guard let accountID = accountID(ofContract: contractID) else { throw .notFound("The contract") }
        return try changeContract(accountID: accountID, id: contractID) { (c, time) throws(SandboxProblem) in
            guard ["pending", "overdue"].contains(c.state) else {
                throw SandboxProblem(status: .conflict, detail: "The contract is \(c.state); only a sent contract can be signed or declined.")
            }
            guard let person = c.parties.filter({ !$0.myParty }).flatMap(\.participants).first(where: { $0.id == participantID }),
                person.isSignatory, person.signState == "undecided"
            else {
                throw SandboxProblem(status: .conflict, detail: "This participant has nothing to sign.")
            }
            return change(&c, time)
        }
    }
}

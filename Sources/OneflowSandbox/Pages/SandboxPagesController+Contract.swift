import Foundation
import Vapor

/// What the employee sees on opening the invitation: the contract, and Sign or Decline while
/// it waits for them. Signing and declining go through the store, so the webhooks fire as
/// when a real counterparty decides (`participant:sign`, `contract:sign`, `contract:decline`).
extension SandboxPagesController {
    struct ContractPage: Encodable {
        struct Field: Encodable {
            var name: String
            var value: String
        }
        struct Person: Encodable {
            var name: String
            var party: String
            var role: String
            var signState: String
        }
        struct Signer: Encodable {
            var participantID: Int
            var name: String
        }
        var title: String
        var id: Int
        var accountID: Int
        var name: String
        var state: String
        var employer: String
        var group: String
        var fields: [Field]
        var participants: [Person]
        /// Set when the employee can decide now; else `nothingToSign` says why not.
        var signer: Signer?
        var nothingToSign: String?
        var message: String?
    }

    @Sendable func contract(req: Request) async throws -> View {
        let id = try Self.contractID(req)
        guard let accountID = await store.accountID(ofContract: id), let c = try? await store.contract(accountID: accountID, id: id) else {
            throw Abort(.notFound, reason: "No contract #\(id) in the sandbox.")
        }
        let group =
            if let typeID = c.templateTypeID { (try? await store.templateType(accountID: accountID, id: typeID))?.name ?? "#\(typeID)" } else {
                "No template group"
            }
        let reason = Self.nothingToSign(c)
        let page = ContractPage(
            title: c.name.isEmpty ? "Contract #\(c.id)" : c.name, id: c.id, accountID: accountID,
            name: c.name.isEmpty ? "Contract #\(c.id)" : c.name, state: c.state, employer: c.ownerParty?.name ?? "No owner party",
            group: group,
            fields: c.dataFields.map { .init(name: $0.name, value: $0.value) },
            participants: c.parties.flatMap { party in
                party.participants.map { .init(name: $0.name, party: party.name, role: Self.role(of: $0), signState: $0.signState) }
            },
            signer: reason == nil ? c.employee.map { .init(participantID: $0.id, name: $0.name) } : nil,
            nothingToSign: reason,
            message: req.query[String.self, at: "message"])
        return try await req.view.render("sandbox/contract", page)
    }

    /// Nil when the employee is a signatory who has not decided on a sent contract.
    static func nothingToSign(_ c: ContractRecord) -> String? {
        switch c.state {
        case "draft": return "This contract is not sent yet: there is nothing to sign until it is published."
        case "signed": return "Signed by every signatory: there is nothing left to sign."
        case "declined": return "Declined: this contract will not be signed."
        case "pending", "overdue": break
        default: return "The contract is \(c.state): there is nothing to sign."
        }
        guard let employee = c.employee else { return "The contract has no counterparty to sign it." }
        guard employee.isSignatory else { return "\(employee.name) is not a signatory of this contract." }
        switch employee.signState {
        case "undecided": return nil
        case "signed": return "\(employee.name) has signed; the contract waits for the other signatories."
        default: return "\(employee.name) has \(employee.signState)."
        }
    }

    static func role(of participant: ParticipantRecord) -> String {
        if participant.isSignatory { return "Signatory" }
        return participant.organizer == true ? "Organizer" : "Receives a copy"
    }

    @Sendable func signAsParticipant(req: Request) async throws -> Response {
        try await decide(req, "sign") { (store, id, participantID) async throws(SandboxProblem) -> ContractRecord in
            try await store.sign(contractID: id, asParticipant: participantID)
        }
    }

    @Sendable func declineAsParticipant(req: Request) async throws -> Response {
        try await decide(req, "decline") { (store, id, participantID) async throws(SandboxProblem) -> ContractRecord in
            try await store.decline(contractID: id, asParticipant: participantID)
        }
    }

    private func decide(
        _ req: Request, _ verb: String,
        _ change: (SandboxStore, Int, Int) async throws(SandboxProblem) -> ContractRecord
    ) async throws -> Response {
        let id = try Self.contractID(req)
        guard let participantID = req.parameters.get("participant").flatMap(Int.init) else { throw Abort(.notFound) }
        guard await store.accountID(ofContract: id) != nil else { throw Abort(.notFound, reason: "No contract #\(id) in the sandbox.") }
        let message: String
        do {
            let c = try await change(store, id, participantID)
            let name = c.allParticipants.first { $0.id == participantID }?.name ?? "the participant"
            message = verb == "sign" ? "Signed as \(name). The contract is \(c.state)." : "\(name) declined. The contract is \(c.state)."
        } catch {
            message = "Could not \(verb): \(Self.describe(error))"
        }
        return Self.redirect(req, "/sandbox/contracts/\(id)", ["message": message])
    }

    static func contractID(_ req: Request) throws -> Int {
        guard let id = req.parameters.get("id").flatMap(Int.init) else { throw Abort(.notFound) }
        return id
    }
}

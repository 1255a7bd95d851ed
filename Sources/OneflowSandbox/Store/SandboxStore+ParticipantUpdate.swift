import Foundation

/// `PUT /v1/contracts/{id}/parties/{party_id}/participants/{participant_id}`: a participant's
/// details change while the contract is a draft; an owner-side participant's email cannot.
/// https://developer.oneflow.com/docs/update-a-participant-in-a-contract (`shared/oneflow-contract-creation.md` §4.6).
struct ParticipantUpdateBody: Decodable, Sendable {
    var name: String?
    var email: String?
    var phone_number: String?
    var identification_number: String?
    var title: String?
}

extension SandboxStore {
    func updateParticipant(accountID: Int, contractID: Int, partyID: Int, participantID: Int, _ body: ParticipantUpdateBody) throws(SandboxProblem)
        -> ParticipantRecord
    {
        var updated: ParticipantRecord?
        _ = try changeContract(accountID: accountID, id: contractID) { (c, _) throws(SandboxProblem) in
            guard c.state == "draft" else {
                throw SandboxProblem(status: .conflict, detail: "Participants can be changed while the contract is a draft; it is \(c.state).")
            }
            guard let p = c.parties.firstIndex(where: { $0.id == partyID }) else { throw .notFound("The party") }
            guard let i = c.parties[p].participants.firstIndex(where: { $0.id == participantID }) else { throw .notFound("The participant") }
            var person = c.parties[p].participants[i]
            if let name = body.name {
                guard (1...100).contains(name.trimmingCharacters(in: .whitespaces).count) else { throw .invalid("name", "Must be 1–100 characters.") }
                person.name = name
            }
            if let email = body.email, email != person.email {
                guard !c.parties[p].myParty else { throw .invalid("email", "An owner-side participant's email cannot be changed.") }
                guard email.contains("@"), email.count <= 255 else { throw .invalid("email", "Must be an email address.") }
                person.email = email
            }
            if let phone = body.phone_number {
                guard phone.isEmpty || Self.isE164(phone) else {
                    throw .invalid("phone_number", "Must be a phone number in international format, e.g. +46701234567.")
                }
                person.phoneNumber = phone.isEmpty ? nil : phone
            }
            if let number = body.identification_number {
                guard number.count <= 25 else { throw .invalid("identification_number", "Must be at most 25 characters.") }
                person.identificationNumber = number.isEmpty ? nil : number
            }
            if let title = body.title {
                guard title.count <= 100 else { throw .invalid("title", "Must be at most 100 characters.") }
                person.title = title.isEmpty ? nil : title
            }
            c.parties[p].participants[i] = person
            if c.parties[p].type == "individual" { c.parties[p].name = person.name }
            updated = person
            return ["participant:update"]
        }
        guard let updated else { throw .notFound("The participant") }
        return updated
    }
}

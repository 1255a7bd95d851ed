import Vapor

/// The calls that change contracts. Each acts as the user of `x-oneflow-user-email`, who must
/// see the contract's workspace; `__CREATOR__` is the contract's creator.
/// https://developer.oneflow.com/reference/create-a-contract, /docs/publish-a-contract,
/// /docs/update-a-data-field-value
extension SandboxContractsController {
    /// `POST /v1/contracts/create`: the acting user is required (the reference marks the
    /// header required) and must be a real user — the anonymous admin creates nothing here.
    @Sendable func create(req: Request) async throws -> SandboxJSON.Contract {
        let account = try req.sandboxAccount
        guard let user = try req.actingUser() else {
            throw SandboxProblem.invalid("x-oneflow-user-email", "Required: the user the contract is created as.")
        }
        let body = try req.content.decode(CreateContractBody.self)
        return SandboxJSON.Contract(try await store.createContract(account: account, actingUser: user, body))
    }

    @Sendable func publish(req: Request) async throws -> SandboxJSON.Contract {
        struct Body: Content {
            var subject: String?
            var message: String?
        }
        let c = try await contract(req)
        _ = try req.actingUser(on: c)
        let body = try req.content.decode(Body.self)
        return SandboxJSON.Contract(
            try await store.publish(account: try req.sandboxAccount, contractID: c.id, subject: body.subject, message: body.message))
    }

    /// `PUT /v1/contracts/{id}/data_fields` with `{"data_fields": [...]}`; answers the contract's data fields.
    @Sendable func updateDataFields(req: Request) async throws -> SandboxJSON.DataFieldValues {
        struct Body: Decodable { var data_fields: [DataFieldUpdateBody]? }
        let c = try await contract(req)
        _ = try req.actingUser(on: c)
        guard let items = try req.content.decode(Body.self).data_fields, !items.isEmpty else {
            throw SandboxProblem.invalid("data_fields", "Required: at least one data field.")
        }
        let changed = try await store.updateDataFields(accountID: c.accountID, contractID: c.id, items)
        return SandboxJSON.DataFieldValues(data_fields: SandboxJSON.Contract(changed).data_fields)
    }

    /// `PUT /v1/contracts/{id}/data_fields/{id | c::custom_id}` with `{"value": …}`; answers the field.
    @Sendable func updateDataField(req: Request) async throws -> SandboxJSON.ContractDataField {
        let c = try await contract(req)
        _ = try req.actingUser(on: c)
        guard let reference = req.parameters.get("field").flatMap(FieldReference.init(path:)) else { throw SandboxProblem.notFound("The data field") }
        let item = try req.content.decode(DataFieldUpdateBody.self)
        let changed = try await store.updateDataFields(accountID: c.accountID, contractID: c.id, [item], path: reference)
        guard let field = changed.dataFields.first(where: reference.matches) else { throw SandboxProblem.notFound("The data field") }
        return SandboxJSON.ContractDataField(field, created: changed.createdTime)
    }

    /// `DELETE /v1/contracts/{id}` of a draft: `contract:delete` to the contract's webhooks. A
    /// sent contract is 409 here (what Oneflow allows is not documented; a draft is what a
    /// caller cancels); the sandbox's pages and control API delete in any state.
    @Sendable func delete(req: Request) async throws -> Response {
        let c = try await contract(req)
        _ = try req.actingUser(on: c)
        guard c.state == "draft" else {
            throw SandboxProblem(status: .conflict, detail: "Only a draft can be deleted through the API; this contract is \(c.state).")
        }
        try await store.apply(.delete, accountID: c.accountID, contractID: c.id)
        return Response(status: .ok, headers: ["content-type": "application/json"], body: .init(string: "{}"))
    }
}

extension SandboxContractsController {
    /// `PUT /v1/contracts/{id}/parties/{party_id}/participants/{participant_id}`; answers the participant.
    @Sendable func updateParticipant(req: Request) async throws -> SandboxJSON.Participant {
        let c = try await contract(req)
        _ = try req.actingUser(on: c)
        let partyID = try req.intParameter("party")
        let body = try req.content.decode(ParticipantUpdateBody.self)
        let person = try await store.updateParticipant(
            accountID: c.accountID, contractID: c.id, partyID: partyID, participantID: try req.intParameter("participant"), body)
        return SandboxJSON.Participant(person, owner: c.parties.first { $0.id == partyID }?.myParty ?? false)
    }
}

extension SandboxJSON {
    struct DataFieldValues: Content { var data_fields: [ContractDataField] }
}

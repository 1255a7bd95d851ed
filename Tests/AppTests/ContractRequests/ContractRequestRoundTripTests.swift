import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// A contract the HR side asks for goes to Oneflow once, is sent, and comes back signed onto
/// the same employee record.
@Suite("Contract requests: the round trip")
struct ContractRequestRoundTripTests {
    @Test("a new hire's request: queued at once, created and sent by the job; signing brings the PDF to the same employee")
    func newHire() async throws {
        try await withRequestFixture { r in
            // Given the HR system asks for a new hire's contract, to be sent
            let page = try await r.post(RequestFixture.newHire())

            // Then the answer comes at once: queued, with where to find it
            #expect(page.status == 202, "\(page.body)")
            let queued = try r.json(page)
            #expect(queued.state == "queued")
            #expect(queued.oneflow_contract_id == nil)
            #expect(page.location == "/api/v1/contract-requests/\(queued.id)")

            // When the job runs
            await r.f.drain()

            // Then the contract is in Oneflow, sent, with our data fields and the request's id
            let sent = try await r.request(queued.id)
            #expect(sent.state == "sent", "\(sent)")
            let contractID = try #require(sent.oneflow_contract_id)
            #expect(sent.oneflow_url == "\(r.f.r.baseURL)/sandbox/contracts/\(contractID)")
            let contract = try await r.f.r.oneflow.contract(r.f.credentials, id: contractID)
            #expect(contract.state == .pending)
            let values = Dictionary(contract.dataFields.compactMap { f in f.customID.map { ($0, f.value ?? "") } }, uniquingKeysWith: { a, _ in a })
            #expect(values["start_date"] == "2027-03-01")
            #expect(values["salary"] == "52000")
            #expect(values[RequestCorrelation.customID] == queued.id.uuidString)
            let signer = try #require(contract.counterparties.first?.participant)
            #expect(signer.name == "Grace Hopper")
            #expect(signer.email == "grace@example.com")
            // and the new hire is an employee already, "contract sent", linked to the request
            let employeeID = try #require(sent.employee_id)
            let hire = try #require(try await Employee.find(employeeID, on: r.f.db))
            #expect(hire.employmentStatus == "CONTRACT_SENT")
            #expect(try await r.f.contractRow(contractID)?.$employee.id == employeeID)
            #expect(sent.history?.map(\.state) == ["queued", "draft", "sent"])

            // When the employee signs on the sandbox's page and the webhooks arrive
            try await r.f.act("sign", contractID)
            #expect(try await r.f.settle { try await r.request(queued.id).state == "signed" })

            // Then the request is signed, and the same employee has the signed contract and its PDF
            let signed = try await r.request(queued.id)
            #expect(signed.state == "signed")
            #expect(try await r.f.employees().count == 1)
            #expect(try await r.f.contractRow(contractID)?.status == "signed")
            #expect(try await Document.query(on: r.f.db).filter(\.$employee.$id == employeeID).count() == 1)
            let after = try #require(try await Employee.find(employeeID, on: r.f.db))
            #expect(after.employmentStatus == "PENDING")
            #expect(signed.history?.last?.state == "signed")
        }
    }

    @Test(
        "an existing employee's request: HR fields filled from the record, the contract lands on that employee even when its signer's details differ")
    func existingEmployee() async throws {
        try await withRequestFixture { r in
            // Given an employee from an earlier signed contract
            let first = try await r.f.signedContract()
            _ = try await r.f.post(try r.f.notification(contractID: first, events: ["contract:sign"]))
            await r.f.drain()
            let employee = try #require(try await r.f.employees().first)

            // When HR asks for a new contract for them, with a new salary, sent
            let page = try await r.post(["employee_id": employee.id!.uuidString, "fields": ["salary": "60000 SEK"], "send": true])
            #expect(page.status == 202, "\(page.body)")
            await r.f.drain()

            // Then Oneflow has it with the employee's own fields and the new salary
            let request = try await r.request(try r.json(page).id)
            #expect(request.state == "sent")
            #expect(request.employee_id == employee.id)
            let contractID = try #require(request.oneflow_contract_id)
            let contract = try await r.f.r.oneflow.contract(r.f.credentials, id: contractID)
            let values = Dictionary(contract.dataFields.compactMap { f in f.customID.map { ($0, f.value ?? "") } }, uniquingKeysWith: { a, _ in a })
            #expect(values["salary"] == "60000 SEK")
            #expect(values["employee_number"] == "10023")
            #expect(values["start_date"] == "2020-01-01")

            // When it is signed and comes back
            try await r.f.act("sign", contractID)
            #expect(try await r.f.settle { try await r.request(request.id).state == "signed" })

            // Then it is the same employee's second contract, not a new employee
            #expect(try await r.f.employees().count == 1)
            let contracts = try await EmploymentContract.query(on: r.f.db).filter(\.$employee.$id == employee.id!).all()
            #expect(contracts.count == 2)
            #expect(try await r.request(request.id).state == "signed")
        }
    }

    @Test("send: false keeps a draft; POST …/send publishes it; DELETE removes a draft here and in Oneflow")
    func draftSendDelete() async throws {
        try await withRequestFixture { r in
            // Given two drafts
            let one = try r.json(try await r.post(RequestFixture.newHire(send: false)))
            let two = try r.json(try await r.post(RequestFixture.newHire("Ada Lovelace", email: "ada@example.com", send: false)))
            await r.f.drain()
            #expect(try await r.request(one.id).state == "draft")
            let twoContract = try #require(try await r.request(two.id).oneflow_contract_id)

            // When the first is sent and the second deleted
            let sent = try await r.send(.POST, "/api/v1/contract-requests/\(one.id)/send")
            #expect(sent.status == 202, "\(sent.body)")
            let deleted = try await r.send(.DELETE, "/api/v1/contract-requests/\(two.id)")
            #expect(deleted.status == 200, "\(deleted.body)")
            await r.f.drain()

            // Then the first is sent, the second deleted in both places
            #expect(try await r.request(one.id).state == "sent")
            #expect(try await r.request(two.id).state == "deleted")
            #expect(try await r.f.contractRow(twoContract)?.status == "deleted")
            await #expect(throws: OneflowError.self) { _ = try await r.f.r.oneflow.contract(r.f.credentials, id: twoContract) }
            // and neither a sent request nor a deleted one can be sent or deleted again
            #expect(try await r.send(.POST, "/api/v1/contract-requests/\(one.id)/send").status == 409)
            #expect(try await r.send(.DELETE, "/api/v1/contract-requests/\(two.id)").status == 409)
        }
    }

    @Test("publishing refused (402, a plan without publishing): the draft is kept with the reason, and sent later")
    func publishRefused() async throws {
        try await withRequestFixture { r in
            // Given an account whose plan cannot publish
            #expect(try await r.f.r.control("/plan", json: ["token": r.f.token, "publishing": false]).status < 300)
            let id = try r.json(try await r.post(RequestFixture.newHire())).id

            // When the job runs
            await r.f.drain()

            // Then it is a draft in Oneflow, and the request says why it was not sent
            let draft = try await r.request(id)
            #expect(draft.state == "draft")
            #expect(draft.failure?.contains("402") == true, "\(draft.failure ?? "")")
            #expect(draft.oneflow_contract_id != nil)

            // When the plan allows it and HR sends it again
            #expect(try await r.f.r.control("/plan", json: ["token": r.f.token, "publishing": true]).status < 300)
            #expect(try await r.send(.POST, "/api/v1/contract-requests/\(id)/send").status == 202)
            await r.f.drain()

            // Then it is sent, the reason gone, still one contract
            let sent = try await r.request(id)
            #expect(sent.state == "sent")
            #expect(sent.failure == nil)
            #expect(try await r.sandboxContracts().count == 1)
        }
    }

    @Test(
        "the signer's name and email change in Oneflow before it is sent: the signed contract still lands on the same employee, with the new details")
    func signerChanged() async throws {
        try await withRequestFixture { r in
            // Given a new hire's draft
            let id = try r.json(try await r.post(RequestFixture.newHire(send: false))).id
            await r.f.drain()
            let draft = try await r.request(id)
            let contractID = try #require(draft.oneflow_contract_id)
            let employeeID = try #require(draft.employee_id)

            // When, in Oneflow, the signer's name and email are corrected (Oneflow's update-participant)
            let contract = try await r.f.r.oneflow.contract(r.f.credentials, id: contractID)
            let party = try #require(contract.counterparties.first)
            let partyID = try #require(party.id)
            let participantID = try #require(party.participant?.id)
            let sender = "admin@account\(r.f.accountID).sandbox.example"
            let update = try await r.f.r.browser().send(
                .PUT, "/sandbox/oneflow/v1/contracts/\(contractID)/parties/\(partyID)/participants/\(participantID)",
                body: #"{"name": "Grace B. Murray", "email": "grace.murray@example.com"}"#, contentType: "application/json",
                headers: ["x-oneflow-api-token": r.f.token, "x-oneflow-user-email": sender])
            #expect(update.status == 200, "\(update.body)")
            // and it is sent and signed
            #expect(try await r.send(.POST, "/api/v1/contract-requests/\(id)/send").status == 202)
            await r.f.drain()
            try await r.f.act("sign", contractID)
            #expect(try await r.f.settle { try await r.request(id).state == "signed" })

            // Then the same employee holds it, under the new name and email
            #expect(try await r.request(id).state == "signed")
            let employees = try await r.f.employees()
            #expect(employees.map(\.id) == [employeeID])
            #expect(employees.first?.name == "Grace B. Murray")
            #expect(employees.first?.email == "grace.murray@example.com")
            #expect(try await Document.query(on: r.f.db).filter(\.$employee.$id == employeeID).count() == 1)
        }
    }

    @Test("declined and expired contracts move their requests; a colleague on our side joins as a user who does not sign")
    func declinedExpiredAndManager() async throws {
        try await withRequestFixture { r in
            // Given two sent requests, one with the HR user as the colleague on our side
            let hr = "hr@account\(r.f.accountID).sandbox.example"
            var withManager = RequestFixture.newHire()
            withManager["manager_email"] = hr.uppercased()
            let declined = try r.json(try await r.post(withManager)).id
            let expired = try r.json(try await r.post(RequestFixture.newHire("Ada Lovelace", email: "ada@example.com"))).id
            await r.f.drain()
            let declinedContract = try #require(try await r.request(declined).oneflow_contract_id)
            let expiredContract = try #require(try await r.request(expired).oneflow_contract_id)
            let ours = try #require(try await r.f.r.oneflow.contract(r.f.credentials, id: declinedContract).parties.first { $0.myParty == true })
            let manager = try #require(ours.allParticipants.first { $0.email == hr })
            #expect(manager.signatory == false)

            // When one is declined and the other's signing period ends
            try await r.f.act("decline", declinedContract)
            try await r.f.act("expire", expiredContract)
            #expect(
                try await r.f.settle {
                    let states = (try await r.request(declined).state, try await r.request(expired).state)
                    return states == ("declined", "expired")
                })

            // Then the requests say so
            #expect(try await r.request(declined).state == "declined")
            #expect(try await r.request(expired).state == "expired")

            // A colleague who is no user of the account is refused before Oneflow is called
            var stranger = RequestFixture.newHire("Alan Turing", email: "alan@example.com")
            stranger["manager_email"] = "boss@elsewhere.example"
            #expect(try r.problems(try await r.post(stranger))["manager_email"]?.contains("Not an active user") == true)
        }
    }

    @Test("Prefer: wait=N holds the answer until the job has created and sent the contract")
    func preferWait() async throws {
        try await withRequestFixture(worker: true) { r in
            let page = try await r.post(RequestFixture.newHire(), headers: ["Prefer": "wait=20"])
            #expect(page.status == 202)
            let answer = try r.json(page)
            #expect(answer.state == "sent", "\(answer)")
            #expect(answer.oneflow_contract_id != nil)
        }
    }
}

import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// One request, one contract: through repeated requests, lost answers and retries.
@Suite("Contract requests: exactly once")
struct ContractRequestExactlyOnceTests {
    @Test("20 identical requests at once under one Idempotency-Key: one request, one contract; the key with another body is 409")
    func idempotencyKey() async throws {
        try await withRequestFixture { r in
            // When the HR system sends the same request 20 times at once
            let pages = try await withThrowingTaskGroup(of: Browser.Page.self) { group in
                for _ in 0..<20 { group.addTask { try await r.post(RequestFixture.newHire(), headers: ["Idempotency-Key": "hire-grace-1"]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // Then every answer is the same request
            #expect(pages.allSatisfy { $0.status == 202 }, "\(pages.map(\.status))")
            let ids = Set(try pages.map { try r.json($0).id })
            #expect(ids.count == 1)
            #expect(try await ContractRequest.query(on: r.f.db).count() == 1)
            await r.f.drain()
            #expect(try await r.sandboxContracts().count == 1)

            // and once created, the same key still answers it, as it is now
            let again = try await r.post(RequestFixture.newHire(), headers: ["Idempotency-Key": "hire-grace-1"])
            #expect(try r.json(again).id == ids.first)
            #expect(try r.json(again).state == "sent")

            // When the key comes with another body
            let other = try await r.post(RequestFixture.newHire("Someone Else"), headers: ["Idempotency-Key": "hire-grace-1"])
            // Then it is refused, and nothing is made
            #expect(other.status == 409)
            #expect(other.body.contains("Idempotency-Key"))
            #expect(try await ContractRequest.query(on: r.f.db).count() == 1)
        }
    }

    @Test(
        "Oneflow created the contract but the answer was lost (a 502 after the work): the retry finds it by the correlation field, no second contract"
    )
    func lostCreateAnswer() async throws {
        try await withRequestFixture { r in
            // Given the create call will be done by Oneflow and its answer lost
            let fault: [String: Any] = ["method": "POST", "path": "/contracts/create", "status": 502, "count": 1, "after": true]
            #expect(try await r.f.r.control("/faults", json: fault).status == 201)
            let id = try r.json(try await r.post(RequestFixture.newHire())).id

            // When the job runs and meets the 502
            await r.f.drain()
            #expect(try await r.request(id).state == "queued")
            #expect(try await r.sandboxContracts().count == 1)
            // Then its claim stays (Oneflow may still be making the contract): a retry now waits
            try await due(r)
            await r.f.drain()
            #expect(try await r.request(id).state == "queued")
            // When the create call's deadline has passed, the next attempt looks first
            try await pastDeadline(r, id)
            try await due(r)
            await r.f.drain()

            // Then the one contract Oneflow made is the request's, sent
            let request = try await r.request(id)
            #expect(request.state == "sent", "\(request)")
            let contractID = try #require(request.oneflow_contract_id)
            #expect(try await r.sandboxContracts() == [contractID])
            #expect(try await r.f.employees().count == 1)
        }
    }

    @Test("Oneflow refuses the create (4xx): the request fails with Oneflow's reason, no retry; 5xx and 429 are retried")
    func refusedAndRetried() async throws {
        try await withRequestFixture { r in
            // Given Oneflow answers 503 once, then works
            #expect(
                try await r.f.r.control("/faults", json: ["method": "POST", "path": "/contracts/create", "status": 503, "count": 1]).status == 201)
            let retried = try r.json(try await r.post(RequestFixture.newHire())).id
            await r.f.drain()
            let job = try #require(try await Job.query(on: r.f.db).filter(\.$kind == ContractRequests.jobKind).first())
            #expect(job.status == .queued)
            #expect(job.lastError?.contains("503") == true)
            try await pastDeadline(r, retried)
            try await due(r)
            await r.f.drain()
            #expect(try await r.request(retried).state == "sent")

            // Given the sender is no longer an active user (Oneflow answers 401 for them, not for the token)
            let sender = try await r.f.r.app.sendingCatalogs.catalog(for: r.installationID, now: Date()) { fatalError("cached") }.sender.email
            #expect(try await r.f.r.control("/users/active", json: ["token": r.f.token, "email": sender, "active": false]).status < 300)
            let refused = try r.json(try await r.post(RequestFixture.newHire("Ada Lovelace", email: "ada@example.com"))).id
            await r.f.drain()

            // Then the request failed with the reason, and the installation is still connected
            let failed = try await r.request(refused)
            #expect(failed.state == "failed")
            #expect(failed.failure?.contains("401") == true, "\(failed.failure ?? "")")
            #expect(try await Installation.find(r.installationID, on: r.f.db)?.status == .active)
        }
    }

    @Test("a request's notifications: created, sent, signed, each with the request, in the existing format")
    func notifications() async throws {
        try await withRequestFixture(["NOTIFY_ENDPOINT": "http://127.0.0.1:9/hr"]) { r in
            let id = try r.json(try await r.post(RequestFixture.newHire())).id
            await r.f.drain()
            let contractID = try #require(try await r.request(id).oneflow_contract_id)
            try await r.f.act("sign", contractID)
            #expect(try await r.f.settle { try await r.request(id).state == "signed" })

            let rows = try await OutboundNotification.query(on: r.f.db).filter(\.$type == "contract_request").sort(\.$createdAt).all()
            #expect(rows.map(\.reason) == ["created", "sent", "signed"])
            let last = try #require(rows.last)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(last.body.utf8)) as? [String: Any])
            #expect(body["type"] as? String == "contract_request")
            #expect((body["installation"] as? [String: Any])?["id"] as? String == r.installationID.uuidString)
            let data = try #require(body["data"] as? [String: Any])
            #expect(data["id"] as? String == id.uuidString)
            #expect(data["state"] as? String == "signed")
            #expect(data["oneflow_contract_id"] as? Int == contractID)
        }
    }

    /// Moves the request's last create call back past its deadline (as if the wait were over).
    func pastDeadline(_ r: RequestFixture, _ id: UUID) async throws {
        try await ContractRequest.query(on: r.f.db).filter(\.$id == id).set(\.$createStartedAt, to: Date().addingTimeInterval(-3600)).update()
    }

    /// Makes the request's job due now (a retry's backoff skipped).
    func due(_ r: RequestFixture) async throws {
        try await Job.query(on: r.f.db).filter(\.$kind == ContractRequests.jobKind).set(\.$runAt, to: Date()).update()
    }

    @Test("an attempt whose create call may still be running holds the others off; after its deadline the next one looks before creating")
    func oneCreateAtATime() async throws {
        try await withRequestFixture { r in
            // Given a request whose create call began a moment ago in another process
            let id = try r.json(try await r.post(RequestFixture.newHire())).id
            try await ContractRequest.query(on: r.f.db).filter(\.$id == id).set(\.$createAttempts, to: 1).set(\.$createStartedAt, to: Date()).update()

            // When the job runs here: it waits
            await r.f.drain()
            let job = try #require(try await Job.query(on: r.f.db).filter(\.$kind == ContractRequests.jobKind).first())
            #expect(job.lastError?.contains("Another attempt is creating this contract") == true, "\(job.lastError ?? "")")
            #expect(try await r.sandboxContracts().isEmpty)

            // When that call's deadline has passed (it never answered, nothing was made)
            let long = Date().addingTimeInterval(-120)
            try await ContractRequest.query(on: r.f.db).filter(\.$id == id).set(\.$createStartedAt, to: long).update()
            try await due(r)
            await r.f.drain()

            // Then the job looked, found nothing, and made the one contract
            #expect(try await r.request(id).state == "sent")
            #expect(try await r.sandboxContracts().count == 1)
            #expect(try await ContractRequest.find(id, on: r.f.db)?.createAttempts == 2)
        }
    }

    @Test("a template group provisioned before contract requests lacks the correlation field: the job adds it (the complete set) and creates")
    func correlationFieldAdded() async throws {
        try await withRequestFixture { r in
            // Given our group without the correlation field (as an older setup left it)
            let fields = try await r.f.r.oneflow.templateType(r.f.credentials, id: r.f.typeID).dataFields ?? []
            let older = fields.filter { $0.customID != RequestCorrelation.customID }.map(DataFieldInput.init(keeping:))
            _ = try await r.f.r.oneflow.replaceDataFields(r.f.credentials, templateTypeID: r.f.typeID, older)
            let id = try r.json(try await r.post(RequestFixture.newHire())).id

            // When the job runs: Oneflow refuses the unknown field; the job adds it and tries again
            await r.f.drain()
            let job = try #require(try await Job.query(on: r.f.db).filter(\.$kind == ContractRequests.jobKind).first())
            #expect(job.lastError?.contains("it was added") == true, "\(job.lastError ?? "")")
            try await due(r)
            await r.f.drain()

            // Then it is sent, and the group has every field it had, and ours
            #expect(try await r.request(id).state == "sent")
            let after = try await r.f.r.oneflow.templateType(r.f.credentials, id: r.f.typeID).dataFields ?? []
            #expect(after.contains { $0.customID == RequestCorrelation.customID })
            #expect(after.count == older.count + 1)
        }
    }

    @Test("Send twice: one job; a draft being sent is 409, a sent one too")
    func sendOnce() async throws {
        try await withRequestFixture { r in
            let id = try r.json(try await r.post(RequestFixture.newHire(send: false))).id
            await r.f.drain()
            #expect(try await r.send(.POST, "/api/v1/contract-requests/\(id)/send").status == 202)
            let again = try await r.send(.POST, "/api/v1/contract-requests/\(id)/send")
            #expect(again.status == 409)
            #expect(again.body.contains("being sent already"))
            #expect(try await Job.query(on: r.f.db).filter(\.$kind == ContractRequests.jobKind).filter(\.$status == .queued).count() == 1)
            await r.f.drain()
            #expect(try await r.request(id).state == "sent")
        }
    }
}

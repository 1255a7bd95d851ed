import Fluent
import Foundation
import Testing

@testable import App

/// One fetch of a contract answers every notification of it stored before the fetch
/// (`CoveredDeliveries`, issue #9's drain).
@Suite("Deliveries answered by one fetch")
struct CoveredDeliveriesTests {
    @Test("notifications of one contract claimed together are answered by one fetch, and the HR change happens once")
    func batch() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            let other = try await f.newContract(name: "Other Person", email: "other@example.com", values: ["employee_number": "20001"])
            try await f.settle()
            let earlier = Set(try await f.deliveries().compactMap(\.id))
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:publish"], callbackID: "publish"))
            _ = try await f.post(try f.notification(contractID: other, events: ["contract:create"], callbackID: "other"))
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: "sign"))

            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            #expect(await worker.runOnce(now: Date()))  // one batch holds all three
            let deliveries = try await f.deliveries().filter { ["publish", "sign", "other"].contains($0.callbackID) }
            let byCallback = Dictionary(uniqueKeysWithValues: deliveries.map { ($0.callbackID, $0) })
            #expect(byCallback["publish"] != nil && byCallback["sign"] != nil)
            let unrelated = try #require(byCallback["other"])
            #expect(deliveries.allSatisfy { $0.status == .processed })
            // One fetch answered the others of that contract: each "answered by" names a
            // delivery of the same contract that was itself fetched. (The lead is the oldest —
            // equal timestamps may tie, and a late sandbox notification may be older still.)
            let ofContract = try await f.deliveries().filter { $0.oneflowContractID == id && !earlier.contains($0.id ?? UUID()) }
            #expect(ofContract.allSatisfy { $0.status == .processed })
            let leads = try Set(ofContract.filter { $0.outcomeReason?.contains("answered by") == false }.map { try $0.requireID() })
            let followers = ofContract.filter { $0.outcomeReason?.contains("answered by") == true }
            #expect(leads.count == 1 && followers.count == ofContract.count - 1)
            #expect(followers.allSatisfy { follower in leads.contains { follower.outcomeReason?.contains("answered by delivery \($0)") == true } })
            let follower = try #require(followers.first)
            #expect(unrelated.outcomeReason?.contains("answered by") == false)
            #expect(follower.processedAt != nil && follower.attempts == 1)
            #expect(try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.syncDelivery).all().allSatisfy { $0.status == .succeeded })
            #expect(try await f.contractRow(id)?.status == "signed")
            // Created straight as signed: one history row for that contract, not two.
            let row = try #require(try await f.contractRow(id))
            #expect(try await f.history().filter { $0.$contract.id == row.id }.count == 1)
            let more = await worker.runOnce(now: Date())
            #expect(!more)
        }
    }

    @Test("a queued notification stored before the fetch is settled; one another worker holds is left to it")
    func queuedAndHeld() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            try await f.settle()
            for callback in ["first", "second", "third"] {
                _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: callback))
            }
            let queue = JobQueue(db: f.db)
            let held = try #require(try await queue.claim(worker: "elsewhere", now: Date()))
            // Which delivery's job that is (the oldest, but equal timestamps may tie); of the
            // other two, one is processed here and must settle the last.
            let stored = try await f.deliveries().filter { ["first", "second", "third"].contains($0.callbackID) }
            let heldDelivery = try #require(try stored.first { DeliveryJobPayload.json(for: try $0.requireID()) == held.payload })
            let free = stored.filter { $0.id != heldDelivery.id }
            let lead = try free[0].requireID()
            let covered = try free[1].requireID()

            let leadJob = try #require(try await Job.query(on: f.db).filter(\.$payload == DeliveryJobPayload.json(for: lead)).first())
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            #expect(await worker.pipeline.run([leadJob]).isEmpty)

            let after = Dictionary(uniqueKeysWithValues: try await f.deliveries().map { (try $0.requireID(), $0) })
            #expect(after[lead]?.status == .processed)
            #expect(after[covered]?.status == .processed)
            #expect(after[covered]?.outcomeReason?.contains("answered by delivery \(lead)") == true)
            #expect(after[try heldDelivery.requireID()]?.status == .pending)  // its job is running elsewhere
            let stillHeld = try #require(try await Job.find(held.id, on: f.db))
            #expect(stillHeld.status == .running && stillHeld.leasedBy == "elsewhere")
            let payload = DeliveryJobPayload.json(for: covered)
            let coveredJob = try #require(try await Job.query(on: f.db).filter(\.$payload == payload).first())
            #expect(coveredJob.status == .succeeded)
        }
    }

    @Test("a contract's waiting notifications are read through the pending index, not from every delivery it had")
    func pendingByIndex() async throws {
        try await withSyncFixture { f in
            // Given: a contract whose earlier notifications are settled, and two that wait
            let id = try await f.signedContract()
            try await f.settle()
            let settled = try await f.deliveries().filter { $0.oneflowContractID == id }
            #expect(!settled.isEmpty && settled.allSatisfy { ![.pending, .failed].contains($0.status) })
            for callback in ["waiting-1", "waiting-2"] {
                _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: callback))
            }
            let waiting = Set(try await f.deliveries().filter { $0.callbackID.hasPrefix("waiting-") }.map { try $0.requireID() })
            let installationID = try f.installation.requireID()

            // When: the worker asks for the contract's other deliveries
            let pending = try await CoveredDeliveries(db: f.db).pending(contractIDs: [id], installationID: installationID, except: [])

            // Then: exactly the two that wait, found through the partial index (also for a
            // batch's several contracts), whose predicate names the statuses a delivery waits in
            #expect(Set(pending[id] ?? []) == waiting)
            let plan = try await QueryPlan.of(
                CoveredDeliveries.pendingQuery(contractIDs: [id, id + 1, id + 2], installationID: installationID, except: []), on: f.db)
            #expect(plan.contains(AddPendingDeliveriesIndex.index), "\(plan)")
            let waitingStatuses: [WebhookDelivery.Status] = [.pending, .failed]
            #expect(AddPendingDeliveriesIndex.predicate == "status IN (\(waitingStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")))")
        }
    }

    @Test("notifications the lead does not answer (installation disconnected) run on their own at once, not after their lease")
    func unanswered() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            try await f.settle()
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:publish"], callbackID: "one"))
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: "two"))
            f.installation.status = .disconnected
            try await f.installation.save(on: f.db)

            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            #expect(await worker.runOnce(now: Date()))
            let ours = try await f.deliveries().filter { ["one", "two"].contains($0.callbackID) }
            #expect(ours.count == 2 && ours.allSatisfy { $0.status == .ignored && $0.outcomeReason == "installation is disconnected" })
            let running = try await Job.query(on: f.db).filter(\.$status == .running).count()
            #expect(running == 0)
        }
    }

    @Test("a contract of another template group: every notification of it is ignored by one fetch")
    func ignored() async throws {
        try await withSyncFixture { f in
            let id = try await f.newContract(templateTypeID: try await f.otherTemplateGroup(), values: [:])
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:create"], callbackID: "a"))
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:publish"], callbackID: "b"))
            await f.drain()
            let deliveries = try await f.deliveries()
            #expect(deliveries.count == 2 && deliveries.allSatisfy { $0.status == .ignored })
            #expect(deliveries.filter { $0.outcomeReason?.contains("answered by") == true }.count == 1)
            #expect(try await f.contractRow(id) == nil)
        }
    }
}

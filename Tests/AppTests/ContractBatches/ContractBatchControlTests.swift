import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor

@testable import App

/// What the HR side can do with a batch under way, and what it leaves to others.
@Suite("Contract batches: pause, cancel, fairness, customers apart")
struct ContractBatchControlTests {
    static var defaults: [String: Any] { ["fields": ["start_date": "2027-09-01"], "send": true] }

    @Test("paused, no row starts; resumed, it goes on; cancelled, waiting rows are cancelled and its drafts deleted in Oneflow, sent ones stay")
    func pauseResumeCancel() async throws {
        let clock = ManualClock()
        try await withSyncFixture(["SENDING_BATCH_ROWS_PER_MINUTE": "60", "SENDING_BATCH_IN_FLIGHT": "2"], clock: clock) { f in
            let r = RequestFixture(f: f)
            // Given a batch of 10 drafts (not sent), two started a second
            let batch = try r.batchJSON(
                try await r.postBatch((0..<10).map(ContractBatchTests.hire), defaults: ["fields": ["start_date": "2027-09-01"]]))
            await f.drain()
            #expect(try await r.batch(batch.id).counts["draft"] == 2)

            // When it is paused, however long the worker runs, no further row starts
            let paused = try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/pause")
            #expect(try r.batchJSON(paused).state == "paused")
            for _ in 0..<5 {
                clock.advance(by: 10)
                await f.drain()
            }
            #expect(try await r.batch(batch.id).counts["draft"] == 2)
            let again = try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/pause")
            #expect(again.status == 409)
            #expect(again.body.contains("A paused batch cannot be paused."))

            // When it is resumed, it goes on
            #expect(try r.batchJSON(try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/resume")).state == "running")
            clock.advance(by: 3)
            await f.drain()
            let going = try await r.batch(batch.id)
            #expect((going.counts["draft"] ?? 0) > 2)
            #expect((going.counts["queued"] ?? 0) > 0)
            // and one of its drafts is sent by hand
            let sentRow = try #require(going.requests?.first { $0.state == "draft" })
            #expect(try await r.send(.POST, "/api/v1/contract-requests/\(sentRow.request_id)/send").status == 202)
            await f.drain()

            // When it is cancelled
            let cancelled = try r.batchJSON(try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/cancel"))
            #expect(cancelled.state == "cancelling")
            #expect(try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/cancel").body.contains("A cancelling batch cannot be cancelled."))
            // and none of its drafts can be sent any more: they are to be deleted
            let draft = try #require(going.requests?.first { $0.state == "draft" && $0.request_id != sentRow.request_id })
            let refused = try await r.send(.POST, "/api/v1/contract-requests/\(draft.request_id)/send")
            #expect(refused.status == 409)
            #expect(refused.body.contains("batch was cancelled"))
            let done = try await r.runBatch(batch.id, clock: clock)

            // Then the rows that had not started are cancelled, its drafts are deleted in Oneflow, and the sent one stays
            #expect(done.state == "cancelled", "\(done.counts)")
            let made = (done.counts["deleted"] ?? 0) + (done.counts["sent"] ?? 0)
            #expect(done.counts["sent"] == 1)
            #expect(done.counts["cancelled"] == 10 - made)
            #expect(done.counts["draft"] == 0)
            #expect(done.counts["queued"] == 0)
            let left = try await r.everySandboxContract()
            #expect(left.map(\.id) == [try #require(done.requests?.first { $0.state == "sent" }?.oneflow_contract_id)])
            let resumed = try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/resume")
            #expect(resumed.status == 409)
            #expect(resumed.body.contains("A cancelled batch cannot be resumed."))
        }
    }

    @Test("a single request made while a batch is under way is sent long before the batch is done")
    func singleRequestsGoFirst() async throws {
        // Our clock stands still: the batch's next rows are not due until it moves.
        let clock = ManualClock()
        try await withSyncFixture(["SENDING_BATCH_ROWS_PER_MINUTE": "120", "SENDING_BATCH_IN_FLIGHT": "2"], clock: clock) { f in
            let r = RequestFixture(f: f)
            // Given a batch of 50 rows under way
            let batch = try r.batchJSON(try await r.postBatch((0..<50).map(ContractBatchTests.hire), defaults: Self.defaults))
            await r.f.drain()

            // When a single request comes
            let single = try r.json(try await r.post(RequestFixture.newHire()))
            await r.f.drain()

            // Then it is sent at once, while most of the batch still waits its turn
            #expect(try await r.request(single.id).state == "sent")
            #expect((try await r.batch(batch.id).counts["queued"] ?? 0) >= 40)
        }
    }

    @Test("an installation's key makes and sees its own batches only; another's is 404")
    func customersApart() async throws {
        try await withRequestFixture { r in
            // Given two installations, each with a key, and a batch of each
            let (beta, keyA, keyB) = try await r.secondInstallationWithKeys()
            let a = try await r.postBatch([ContractBatchTests.hire(1)], defaults: Self.defaults, key: keyA)
            #expect(a.status == 202, "\(a.body)")
            let batchA = try r.batchJSON(a)
            #expect(batchA.installation?.id == r.installationID)
            let batchB = try r.batchJSON(try await r.postBatch([ContractBatchTests.hire(2)], defaults: Self.defaults, key: keyB))

            // Then each key sees and acts on its own only
            for (method, path) in [(HTTPMethod.GET, ""), (.POST, "/pause"), (.POST, "/cancel")] {
                #expect(try await r.send(method, "/api/v1/contract-batches/\(batchB.id)\(path)", key: keyA).status == 404)
            }
            let listA = try JSONDecoder().decode(
                ContractBatchListJSON.self, from: Data(try await r.send(.GET, "/api/v1/contract-batches", key: keyA).body.utf8))
            #expect(listA.data.map(\.id) == [batchA.id])
            // and a row naming the other installation is refused
            var intoB = ContractBatchTests.hire(3)
            intoB["installation_id"] = beta.id!.uuidString
            let mixed = try r.batchJSON(try await r.postBatch([ContractBatchTests.hire(4), intoB], defaults: Self.defaults, key: keyA))
            #expect(mixed.refused.map(\.index) == [1])
            // and an operator key sees both
            let all = try JSONDecoder().decode(ContractBatchListJSON.self, from: Data(try await r.send(.GET, "/api/v1/contract-batches").body.utf8))
            #expect(Set(all.data.map(\.id)).isSuperset(of: [batchA.id, batchB.id]))
        }
    }

    @Test("a finished batch is stored done: the driver stops, and it can no longer be paused or cancelled")
    func finishedIsDone() async throws {
        try await withRequestFixture(["SENDING_BATCH_ROWS_PER_MINUTE": "60000"]) { r in
            // Given a batch of drafts, made
            let batch = try r.batchJSON(
                try await r.postBatch((0..<3).map(ContractBatchTests.hire), defaults: ["fields": ["start_date": "2027-09-01"]]))
            #expect(try await r.runBatch(batch.id).state == "done")
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(100))
                await r.f.drain()
            }

            // Then it is done in the database, no driver is left queued, and pause or cancel is refused
            #expect(try await ContractBatch.find(batch.id, on: r.f.db)?.state == .done)
            let queued = try await Job.query(on: r.f.db).filter(\.$kind == ContractBatchJobs.kind).filter(\.$status == .queued).count()
            #expect(queued == 0)
            let cancel = try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/cancel")
            #expect(cancel.status == 409)
            #expect(cancel.body.contains("A done batch cannot be cancelled."))
            #expect(try await r.everySandboxContract().count == 3)
        }
    }

    @Test("cancelled while its installation is disconnected: its drafts cannot be deleted, so it ends cancelled with them, not retried for ever")
    func cancelDisconnected() async throws {
        let clock = ManualClock()
        try await withSyncFixture(["SENDING_BATCH_ROWS_PER_MINUTE": "60", "SENDING_BATCH_IN_FLIGHT": "2"], clock: clock) { f in
            let r = RequestFixture(f: f)
            // Given a batch with two drafts made
            let batch = try r.batchJSON(
                try await r.postBatch((0..<6).map(ContractBatchTests.hire), defaults: ["fields": ["start_date": "2027-09-01"]]))
            await f.drain()
            #expect(try await r.batch(batch.id).counts["draft"] == 2)

            // When the installation is disconnected and the batch cancelled
            let installation = try #require(try await Installation.find(r.installationID, on: f.db))
            try await InstallationCaller.disconnect(installation, at: clock.now, on: f.db)
            #expect(try r.batchJSON(try await r.send(.POST, "/api/v1/contract-batches/\(batch.id)/cancel")).state == "cancelling")
            let done = try await r.runBatch(batch.id, clock: clock, step: 61, rounds: 10)

            // Then it is cancelled, the drafts stay drafts, the rest never started
            #expect(done.state == "cancelled", "\(done.counts)")
            #expect(done.counts["draft"] == 2)
            #expect(done.counts["cancelled"] == 4)
            // and the run planned before it ended (after the deletes' deadline) is the last
            clock.advance(by: 120)
            await f.drain()
            #expect(try await Job.query(on: f.db).filter(\.$kind == ContractBatchJobs.kind).filter(\.$status == .queued).count() == 0)
        }
    }
}

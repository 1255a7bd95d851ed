import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// A whole intake at once: every row checked on its own, the accepted ones made and sent once
/// each, at the installation's pace.
@Suite("Contract batches")
struct ContractBatchTests {
    /// Row `i` of an intake: a new hire, sent, with the start date our template requires.
    static func hire(_ i: Int) -> [String: Any] {
        [
            "person": ["name": "Hire \(i)", "email": "hire\(i)@example.com", "phone": "+4670111\(String(format: "%04d", i))"],
            "fields": ["salary": 40000 + i],
        ]
    }

    /// Twenty rows wrong in each way a row can be, by index.
    static func badRows() -> [Int: [String: Any]] {
        var bad: [Int: [String: Any]] = [:]
        let kinds: [[String: Any]] = [
            [:],  // no signer
            ["person": ["name": "A"], "employee_id": UUID().uuidString],  // both
            ["employee_id": UUID().uuidString],  // no such employee
            ["person": ["email": "nobody@example.com"]],  // no name
            ["person": ["name": "B", "email": "not an email"]],
            ["person": ["name": "C", "email": "c@example.com"], "fields": ["start_date": ""]],  // a required field left empty
            ["person": ["name": "D", "email": "d@example.com"], "fields": ["shoe_size": "44"]],  // not a field the contract fills
            ["person": ["name": "E", "email": "e@example.com"], "template_id": 999_999],
            ["person": ["name": "F", "email": "f@example.com"], "delivery_channel": "carrier_pigeon"],
            ["person": ["name": "G\u{0}", "email": "g@example.com"]],
        ]
        for n in 0..<20 { bad[n * 15 + 7] = kinds[n % kinds.count] }
        return bad
    }

    @Test("300 rows, 20 of them wrong in every way: 280 made and sent once each, 20 refused at once with their index and problems")
    func intake() async throws {
        try await withRequestFixture(["SENDING_BATCH_ROWS_PER_MINUTE": "60000", "SENDING_BATCH_IN_FLIGHT": "8"]) { r in
            // Given an intake of 300 rows with defaults for all, 20 of them wrong
            try await r.rateLimit(0)
            let bad = Self.badRows()
            let rows = (0..<300).map { bad[$0] ?? Self.hire($0) }
            let page = try await r.postBatch(rows, defaults: ["fields": ["start_date": "2027-09-01"], "send": true])

            // Then it is accepted at once: 280 rows, each of the 20 refused with its problems
            #expect(page.status == 202, "\(page.body)")
            let batch = try r.batchJSON(page)
            #expect(page.location == "/api/v1/contract-batches/\(batch.id)")
            #expect(batch.rows == 300)
            #expect(batch.accepted == 280)
            #expect(batch.counts["queued"] == 280)
            #expect(batch.refused.map(\.index) == bad.keys.sorted())
            #expect(batch.refused.allSatisfy { !$0.problems.isEmpty })
            let byIndex = Dictionary(uniqueKeysWithValues: batch.refused.map { ($0.index, $0.problems.map(\.field)) })
            #expect(byIndex[7] == ["employee_id"])
            #expect(byIndex[52] == ["person.name"])
            #expect(byIndex[82]?.contains("fields.start_date") == true)
            #expect(byIndex[97]?.contains("fields.shoe_size") == true)
            #expect(byIndex[112]?.contains("template_id") == true)
            // (the same wording as a single request's 422)
            let single = try await r.post(
                ["person": ["name": "B", "email": "not an email"]].merging(["fields": ["start_date": "2027-09-01"]]) { a, _ in a })
            #expect(try r.problems(single)["person.email"] == batch.refused.first { $0.index == 67 }?.problems.first?.message)

            // When the worker runs until the batch is done
            let done = try await r.runBatch(batch.id)

            // Then every accepted row is sent, once: 280 contracts in Oneflow, one per request
            #expect(done.state == "done", "\(done.counts)")
            #expect(done.counts["sent"] == 280)
            #expect(done.settled == 280)
            let rowsBack = try #require(done.requests)
            #expect(rowsBack.map(\.index) == (0..<300).filter { bad[$0] == nil })
            let contracts = try await r.everySandboxContract()
            #expect(contracts.count == 280)
            #expect(Set(rowsBack.compactMap(\.oneflow_contract_id)) == Set(contracts.map(\.id)))
            #expect(try await ContractRequest.query(on: r.f.db).filter(\.$state == .failed).count() == 0)
        }
    }

    @Test("one Idempotency-Key per batch: the same body again changes nothing; another body is 409; no acceptable row is 422; too many rows is 422")
    func idempotency() async throws {
        try await withRequestFixture(["SENDING_BATCH_MAX_ROWS": "5"]) { r in
            // Given a batch sent with a key
            let rows = (0..<3).map(Self.hire)
            let defaults: [String: Any] = ["fields": ["start_date": "2027-09-01"]]
            let first = try r.batchJSON(try await r.postBatch(rows, defaults: defaults, headers: ["Idempotency-Key": "intake-2027"]))

            // When the same file is sent again with the same key
            let again = try await r.postBatch(rows, defaults: defaults, headers: ["Idempotency-Key": "intake-2027"])

            // Then it is the same batch, and no row was added
            #expect(again.status == 202)
            #expect(try r.batchJSON(again).id == first.id)
            #expect(try await ContractRequest.query(on: r.f.db).count() == 3)
            #expect(try await ContractBatch.query(on: r.f.db).count() == 1)
            // and another body under the key is refused
            let other = try await r.postBatch(Array(rows.prefix(2)), defaults: defaults, headers: ["Idempotency-Key": "intake-2027"])
            #expect(other.status == 409)
            // and a batch with no acceptable row is not made: each row's problems, by index
            let none = try await r.postBatch([[:], ["person": ["name": "X", "email": "bad"]]], defaults: defaults)
            #expect(none.status == 422)
            let problems = try r.problems(none)
            #expect(problems["requests[0].employee_id"] != nil)
            #expect(problems["requests[1].person.email"] != nil)
            // and too many rows, or defaults that name a signer, are refused whole
            #expect(try r.problems(try await r.postBatch((0..<6).map(Self.hire), defaults: defaults))["requests"]?.contains("At most 5") == true)
            let named = try await r.postBatch(rows, defaults: ["person": ["name": "Everyone"]])
            #expect(try r.problems(named)["defaults"] != nil)
            #expect(try await ContractBatch.query(on: r.f.db).count() == 1)
        }
    }

    @Test("Oneflow's rate limit slows a batch down and fails no row")
    func rateLimited() async throws {
        let clock = ManualClock()
        try await withSyncFixture(["SENDING_BATCH_ROWS_PER_MINUTE": "600", "SENDING_BATCH_IN_FLIGHT": "4"], clock: clock) { f in
            let r = RequestFixture(f: f)
            // Given a batch of 6 rows and a token that may make 4 calls a window (an hour: the test
            // opens the next window itself, so no wall-clock timing decides what is refused)
            let batch = try r.batchJSON(
                try await r.postBatch((0..<6).map(Self.hire), defaults: ["fields": ["start_date": "2027-09-01"], "send": true]))
            try await r.rateLimit(4, windowSeconds: 3600)

            // When the worker runs
            clock.advance(by: 1)
            await f.drain()
            // (its first four rows need eight calls: some met the limit and wait, using no attempt)
            let waiting = try await Job.query(on: f.db).filter(\.$kind == ContractRequests.jobKind).filter(\.$status == .queued).all()
            #expect(waiting.contains { $0.lastError?.contains("429") == true && $0.attempts == 0 })
            // and runs again, a minute of our clock and a new window of Oneflow's between rounds
            var done = try await r.batch(batch.id)
            for _ in 0..<60 where done.state != "done" {
                clock.advance(by: 61)
                try await r.rateLimit(4, windowSeconds: 3600)
                await f.drain()
                done = try await r.batch(batch.id)
            }

            // Then every row is sent, none failed, and some met the limit on the way
            #expect(done.state == "done", "\(done.counts)")
            #expect(done.counts["sent"] == 6)
            #expect(done.counts["failed"] == 0)
            try await r.rateLimit(0)
            #expect(try await r.everySandboxContract().count == 6)
        }
    }

    @Test("a worker that dies holding the batch's jobs: after their lease another finishes it, each row made once")
    func workerDies() async throws {
        let clock = ManualClock()
        try await withSyncFixture(
            ["SENDING_BATCH_ROWS_PER_MINUTE": "6000", "SENDING_BATCH_IN_FLIGHT": "3", "SYNC_LEASE_SECONDS": "30"], clock: clock
        ) { f in
            let r = RequestFixture(f: f)
            // Given a batch of 9 rows, partly under way
            let batch = try r.batchJSON(
                try await r.postBatch((0..<9).map(Self.hire), defaults: ["fields": ["start_date": "2027-09-01"], "send": true]))
            await f.drain()
            clock.advance(by: 1)
            // and Oneflow makes the next contract but its answer is lost
            _ = try await f.r.control("/faults", json: ["method": "POST", "path": "/contracts/create", "status": 502, "count": 1, "after": true])

            // When a worker claims every due job, the driver's among them, and dies without a word
            let claimed = try await JobQueue(db: f.db).claim(worker: "killed", limit: 50, now: clock.now)
            #expect(claimed.contains { $0.kind == ContractBatchJobs.kind })
            // and another runs once their lease is over
            clock.advance(by: 31)
            let done = try await r.runBatch(batch.id, clock: clock, step: 31)

            // Then the batch is done: nine contracts in Oneflow, one per row
            #expect(done.state == "done", "\(done.counts)")
            #expect(done.counts["sent"] == 9)
            let contracts = try await r.everySandboxContract()
            #expect(contracts.count == 9)
            #expect(Set(try #require(done.requests).compactMap(\.oneflow_contract_id)) == Set(contracts.map(\.id)))
        }
    }
}

import Fluent
import Foundation
import Testing

@testable import App
@testable import SQLiteStorage

/// A claimed batch runs through the pipeline in phases: every contract fetched and every PDF
/// downloaded at once, everything written in one transaction; what fails fails alone
/// (`SyncPipeline`).
@Suite("Worker batches")
struct SyncPipelineTests {
    @Test(
        "one batch turns several signed contracts into HR records with their PDFs, and answers every delivery (all in one transaction, or two contracts per transaction as in serve)",
        arguments: [nil, 2] as [Int?])
    func severalContracts(contractsPerTransaction: Int?) async throws {
        try await withSyncFixture { f in
            try await checkSeveralContracts(f) {
                SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger, contractsPerTransaction: contractsPerTransaction)
            }
        }
    }

    @Test("on a SQLite file, claims and batch writes run on the process's write connection and thread, the inbox's (statements inline)")
    func ownWriteConnection() async throws {
        try await withSyncFixture(["DATABASE_URL": ""]) { f in
            let lifecycle = try SyncWorkerLifecycle.make(f.r.app, services: f.r.app.services, alongsideReceiver: false)
            let connection = try #require(lifecycle.writeConnection)
            let lane = connection.writer
            #expect(lifecycle.workers.allSatisfy { ($0.writer as? SQLiteFileWriter)?.executor === lane.executor })
            let onLaneLoop = try await lane.write(.background) { db in
                db is InlineSQLiteDatabase && lane.executor.loop.inEventLoop
            }
            #expect(onLaneLoop)
            let writer = try #require(f.r.app.services.storage.writeThread)
            #expect(lane.executor.loop === writer.loop)
            try await checkSeveralContracts(f) { SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger, writer: lane) }
            await connection.shutdown()
        }
        // PostgreSQL and in-memory SQLite write on the worker's own database.
        try await withTestApp { app in
            let lifecycle = try SyncWorkerLifecycle.make(app, services: app.services)
            #expect(lifecycle.writeConnection == nil)
            await lifecycle.shutdownAsync(app)
        }
    }

    /// Five contracts, published and signed: one `runOnce` of the worker writes them all.
    private func checkSeveralContracts(_ f: SyncFixture, worker makeWorker: () -> SyncWorker) async throws {
        var ids: [Int] = []
        for n in 0..<5 {
            let id = try await f.newContract(name: "Person \(n)", email: "person\(n)@example.com", values: ["employee_number": "3000\(n)"])
            try await f.act("publish", id)
            try await f.act("sign", id)
            ids.append(id)
        }
        // Publish and sign of each: wait until all ten are in (the sandbox also sends in the background).
        await f.deliver()
        #expect(try await eventually { try await f.deliveries().count >= 10 })
        #expect(await makeWorker().runOnce(now: Date()))  // one claim holds every notification (sync.batch_size 32)

        for id in ids {
            let row = try #require(try await f.contractRow(id))
            #expect(row.status == "signed")
            #expect(try await Document.query(on: f.db).filter(\.$contract.$id == row.id).count() == 1)
            #expect(try await f.history().filter { $0.$contract.id == row.id }.count == 1)  // created once, as signed
        }
        #expect(Set(try await f.employees().compactMap(\.employeeNumber)) == Set((0..<5).map { "3000\($0)" }))
        let deliveries = try await f.deliveries()
        #expect(deliveries.count >= 10)
        #expect(deliveries.allSatisfy { $0.status == .processed && $0.attempts == 1 })
        #expect(deliveries.allSatisfy { $0.outcomeReason?.contains("signed: created, signed PDF") == true })
        #expect(deliveries.filter { $0.outcomeReason?.contains("answered by") == false }.count == 5)  // one fetch per contract
        #expect(try await Job.query(on: f.db).filter(\.$status != .succeeded).count() == 0)
    }

    @Test("two contracts of one employee in one batch make one employee with both contracts")
    func sharedEmployee() async throws {
        try await withSyncFixture { f in
            let first = try await f.newContract(
                name: "Sam Same", email: "sam@example.com", values: ["employee_number": "50001", "department": "Support"])
            let second = try await f.newContract(
                name: "Sam Same", email: "sam@example.com", values: ["employee_number": "50001", "department": "Sales"])
            for id in [first, second] { try await f.act("publish", id) }
            await f.deliver()
            #expect(try await eventually { try await f.deliveries().count >= 2 })
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            let ranAt = Date()
            #expect(await worker.runOnce(now: ranAt))

            let employees = try await f.employees()
            #expect(employees.count == 1)
            let a = try #require(try await f.contractRow(first))
            let b = try #require(try await f.contractRow(second))
            #expect(a.$employee.id == employees.first?.id && b.$employee.id == employees.first?.id)
            // One of the two departments, whichever notification came last (the sandbox sends
            // them in no set order); the employee was created once and updated once.
            let fields = try #require(employees.first?.fields)
            #expect(fields.contains("Sales") != fields.contains("Support"))
        }
    }

    @Test("a contract Oneflow fails to return fails alone, without a second request; the rest of its batch completes")
    func fetchFailure() async throws {
        try await withSyncFixture { f in
            let good = try await f.newContract()
            let flaky = try await f.newContract(name: "Flaky Person", email: "flaky@example.com", values: ["employee_number": "40001"])
            try await f.settle()
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/\(flaky)", "status": 503, "count": 1])
            _ = try await f.post(try f.notification(contractID: good, events: ["contract:publish"], callbackID: "good"))
            _ = try await f.post(try f.notification(contractID: flaky, events: ["contract:publish"], callbackID: "flaky"))
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            let ranAt = Date()
            #expect(await worker.runOnce(now: ranAt))

            let deliveries = Dictionary(uniqueKeysWithValues: try await f.deliveries().map { ($0.callbackID, $0) })
            #expect(deliveries["good"]?.status == .processed)
            // A second fetch would have succeeded (the fault answers once): there was none.
            #expect(deliveries["flaky"]?.status == .failed)
            #expect(deliveries["flaky"]?.outcomeReason?.contains("503") == true)
        }
    }

    @Test("a failed PDF download keeps the HR write, fails the job for a retry, and the retry stores the PDF")
    func downloadFailure() async throws {
        try await withSyncFixture { f in
            let id = try await f.newContract()
            try await f.act("publish", id)
            try await f.settle()
            let before = try await f.deliveries().count
            // The fault first, and for every call until it is cleared: a delivery of the contract
            // still held (a late retry, under load) is run alone after its lead fails and would
            // otherwise fetch the PDF in the same runOnce.
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/\(id)/files", "status": 503, "count": 1000])
            try await f.act("sign", id)
            // The sign notification is in (the sandbox also sends in the background).
            await f.deliver()
            #expect(try await eventually { try await f.deliveries().count > before })
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            let ranAt = Date()
            #expect(await worker.runOnce(now: ranAt))

            #expect(try await f.contractRow(id)?.status == "signed")
            #expect(try await Document.query(on: f.db).count() == 0)
            let sign = try #require(try await f.deliveries().last)
            #expect(sign.status == .failed)
            #expect(sign.outcomeReason?.contains("503") == true)
            let retry = try #require(try await Job.query(on: f.db).filter(\.$status == .queued).first())
            // Backed off from the run, not repeated at once. (Against the clock at this line the
            // backoff could have passed already on a loaded machine: the CI run failed so once.)
            #expect(retry.runAt > ranAt)

            #expect(try await f.r.browser().send(.DELETE, "/sandbox/control/faults").status == 204)
            while await worker.runOnce(now: Date().addingTimeInterval(3600)) {}
            #expect(try await WebhookDelivery.find(sign.id, on: f.db)?.status == .processed)
            #expect(try await Document.query(on: f.db).count() == 1)
        }
    }
}

/// Jobs the pipeline cannot read, and kinds no runner knows: never dropped silently.
@Suite("Worker: unreadable and unknown jobs")
struct UnreadableJobsTests {
    @Test("a delivery job whose payload names no delivery is dead at once, with the reason, where it can be replayed")
    func unreadablePayload() async throws {
        try await withSyncFixture { f in
            // Given a delivery job whose payload is not a delivery's
            let job = try await JobQueue(db: f.db).enqueue(
                kind: JobQueue.Kind.syncDelivery, payload: ["something": "else"], maxAttempts: 5, runAt: Date())
            // When the worker runs it
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            let ranAt = Date()
            #expect(await worker.runOnce(now: ranAt))
            // Then it is dead, and says why
            let after = try #require(try await Job.find(job.id, on: f.db))
            #expect(after.status == .dead)
            #expect(after.lastError?.isEmpty == false)
        }
    }

    @Test("a job of a kind no runner knows (a newer version's) is tried again later, not dropped")
    func unknownKind() async throws {
        try await withSyncFixture { f in
            let now = Date()
            let job = try await JobQueue(db: f.db).enqueue(kind: "from-the-future", payload: [String: String](), maxAttempts: 5, runAt: now)
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            #expect(await worker.runOnce(now: now))
            let after = try #require(try await Job.find(job.id, on: f.db))
            #expect(after.status == .queued && after.runAt > now && after.attempts == 1)
            #expect(after.lastError == "unknown job kind from-the-future")
        }
    }
}

import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

@Suite("Jobs, retries and reconciliation")
struct JobsAndReconcileTests {
    @Test("a job whose worker died mid-way is reclaimed after its lease and completes once")
    func leaseExpiry() async throws {
        try await withSyncFixture { f in
            let id = try await f.newContract()
            try await f.act("publish", id)
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:publish"], callbackID: "crash"))
            let queue = JobQueue(db: f.db)
            // Worker A claims the job and "crashes": nothing is recorded.
            let claimed = try #require(try await queue.claim(worker: "A", now: Date()))
            // While A's lease runs, nobody else gets that job.
            let other = try await queue.claim(worker: "B", now: Date())
            #expect(other?.id != claimed.id)
            // After the lease, worker B takes it over and finishes it.
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            let later = Date().addingTimeInterval(queue.lease + 1)
            while await worker.runOnce(now: later) {}
            let job = try #require(try await Job.find(claimed.id, on: f.db))
            #expect(job.status == .succeeded)
            #expect(job.attempts >= 2)
            #expect(try await f.contractRow(id)?.status == "pending")
            #expect(try await f.history().filter { $0.toStatus == "pending" }.count == 1)
        }
    }

    @Test("a transient Oneflow failure is retried with backoff and then completes once")
    func transientFailure() async throws {
        // A standing clock: the failure's time is known, however slow the run.
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            let id = try await f.signedContract()
            // The sandbox's own notifications come and go first, so the fault below hits ours.
            try await f.settle()
            let historyBefore = try await f.history().count
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/\(id)", "status": 503, "count": 1])
            _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"], callbackID: "flaky"))
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            var delivery = try #require(try await f.deliveries().first { $0.callbackID == "flaky" })
            while try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .pending { #expect(await worker.runOnce(now: Date())) }
            delivery = try #require(try await WebhookDelivery.find(delivery.id, on: f.db))
            #expect(delivery.status == .failed)
            #expect(delivery.outcomeReason?.contains("503") == true)
            let job = try #require(try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.syncDelivery).filter(\.$status == .queued).first())
            #expect(job.runAt.timeIntervalSince(clock.now) >= 1.5)  // backed off: at least 2 s × 0.75 after it failed
            while await worker.runOnce(now: Date().addingTimeInterval(3600)) {}
            #expect(try await WebhookDelivery.find(delivery.id, on: f.db)?.status == .processed)
            #expect(try await f.history().count == historyBefore)  // the HR change happened once, before
        }
    }

    @Test("a permanent failure goes dead at once and does not block other work; replay brings it back")
    func poison() async throws {
        try await withSyncFixture { f in
            let good = try await f.newContract()
            try await f.act("publish", good)
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/424242", "status": 400, "count": 1])
            _ = try await f.post(try f.notification(contractID: 424242, events: ["contract:sign"], callbackID: "poison"))
            _ = try await f.post(try f.notification(contractID: good, events: ["contract:publish"], callbackID: "good"))
            await f.drain()
            let deliveries = try await f.deliveries()
            #expect(deliveries.first { $0.callbackID == "poison" }?.status == .dead)
            #expect(deliveries.first { $0.callbackID == "good" }?.status == .processed)
            // The ledger: every received delivery has an outcome.
            #expect(deliveries.allSatisfy { [.processed, .ignored, .dead].contains($0.status) })
            let poison = try #require(deliveries.first { $0.callbackID == "poison" })
            try await DeliveryReplay(writer: f.r.app.services.storage.writer(on: f.db), maxAttempts: 3).replay(poison, at: Date())
            await f.drain()
            #expect(try await WebhookDelivery.find(poison.id, on: f.db)?.status == .ignored)  // 404 now: unknown contract
        }
    }

    @Test("retries stop after max attempts: dead")
    func maxAttempts() async throws {
        let clock = ManualClock()
        try await withSyncFixture(["SYNC_MAX_ATTEMPTS": "2"], clock: clock) { f in
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/5", "status": 500, "count": 10])
            _ = try await f.post(try f.notification(contractID: 5, events: ["contract:sign"]))
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            while await worker.runOnce(now: Date().addingTimeInterval(86400)) {}
            let delivery = try #require(try await f.deliveries().first)
            #expect(delivery.status == .dead)
            #expect(delivery.attempts == 2)
        }
    }

    @Test("backoff grows and is jittered")
    func backoff() {
        for attempt in 1...12 {
            let wait = JobQueue.backoff(attempt: attempt)
            let base = min(pow(2, Double(attempt)), 3600)
            #expect(wait >= base * 0.75 && wait <= base * 1.25)
        }
    }

    @Test("a contract signed while no webhook reached us is picked up by reconcile")
    func reconcile() async throws {
        try await withSyncFixture { f in
            // Our receiver is "down": the webhook points nowhere.
            let hookID = try #require(f.installation.webhookID)
            let hook = try await f.r.oneflow.webhook(f.credentials, id: hookID)
            _ = try await f.r.oneflow.updateWebhook(
                f.credentials, id: hookID,
                WebhookInput(
                    callbackURL: "http://127.0.0.1:1/down", signKey: hook.signKey, templateGroupID: hook.templateGroupID, filters: hook.filters))
            let id = try await f.signedContract()
            await f.deliver()
            #expect(try await f.deliveries().isEmpty)

            let report = try await Reconciler(db: f.db, services: f.r.app.services, logger: f.r.app.logger).runAll(now: Date())
            #expect(report.installations == 1)
            #expect(report.applied == 1)
            #expect(try await f.contractRow(id)?.status == "signed")
            #expect(try await Document.query(on: f.db).count() == 1)
            #expect(try await f.history().first?.source == "reconcile")
            // A second run changes nothing.
            #expect(try await Reconciler(db: f.db, services: f.r.app.services, logger: f.r.app.logger).runAll(now: Date()).applied == 0)
        }
    }
}

@Suite("Rate limits and the periodic reconcile")
struct RateLimitAndScheduleTests {
    @Test("Oneflow's 429 backs a job off for at least a minute, however often, without using up an attempt")
    func rateLimited() async throws {
        let clock = ManualClock()
        try await withSyncFixture(["SYNC_MAX_ATTEMPTS": "2"], clock: clock) { f in
            // Given a contract whose reads meet Oneflow's rate limit more often than the job has attempts
            let contractID = try await f.signedContract()
            _ = try await f.r.control("/faults", json: ["method": "GET", "path": "/contracts/\(contractID)", "status": 429, "count": 1000])
            _ = try await f.post(try f.notification(contractID: contractID, events: ["contract:sign"], callbackID: "limited"))
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            for _ in 0..<4 {
                // When the worker runs it each time it is due
                let now = clock.now
                while await worker.runOnce(now: now) {}
                // Then it is queued again a minute on, with no attempt used, and the delivery is not dead
                let limited = try #require(try await f.deliveries().first(where: { $0.callbackID == "limited" })?.id?.uuidString)
                let jobs = try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.syncDelivery).all()
                let job = try #require(jobs.first { $0.payload.uppercased().contains(limited) })
                #expect(job.status == .queued)
                #expect(job.runAt >= now.addingTimeInterval(60))
                #expect(job.attempts == 0)
                #expect(job.lastError?.contains("429") == true)
                #expect(try await f.deliveries().first(where: { $0.callbackID == "limited" })?.status == .failed)
                clock.advance(by: job.runAt.timeIntervalSince(now) + 1)
            }
            // And once Oneflow answers, it completes
            #expect(try await f.r.browser().send(.DELETE, "/sandbox/control/faults").status == 204)
            while await worker.runOnce(now: clock.now) {}
            let delivery = try await f.deliveries().first(where: { $0.callbackID == "limited" })
            #expect(delivery?.status == .processed, "\(delivery?.outcomeReason ?? "")")
        }
    }

    @Test("the reconcile job reschedules itself every sync.reconcile_interval; 0 turns it off")
    func periodic() async throws {
        try await withSyncFixture(["SYNC_RECONCILE_INTERVAL": "600"]) { f in
            let now = Date()
            try await Reconciler.scheduleNext(on: f.db, interval: 600, now: now)
            let first = try #require(try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.reconcile).first())
            #expect(abs(first.runAt.timeIntervalSince(now) - 600) < 1)
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            while await worker.runOnce(now: now.addingTimeInterval(601)) {}
            #expect(try await Job.find(first.id, on: f.db)?.status == .succeeded)
            let next = try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.reconcile).filter(\.$status == .queued).all()
            #expect(next.count == 1)
            #expect(try await Installation.find(f.installation.id, on: f.db)?.lastReconciledAt != nil)
            try await Reconciler.scheduleNext(on: f.db, interval: 0, now: Date())
            #expect(try await Job.query(on: f.db).filter(\.$kind == JobQueue.Kind.reconcile).filter(\.$status == .queued).count() == 1)
        }
    }
}

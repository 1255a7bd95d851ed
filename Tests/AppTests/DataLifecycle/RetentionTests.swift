import Fluent
import Foundation
import Testing

@testable import App

/// `retention.*`: each kind of row purged at its age and not before, moved by the clock seam.
@Suite("Retention")
struct RetentionTests {
    static let day: TimeInterval = 86400

    func purge(_ f: SyncFixture, _ settings: AppConfig.Retention? = nil, maxBatches: Int = 20) async throws -> RetentionPurge.Report {
        try await RetentionPurge(
            writer: f.r.app.services.storage.writer(on: f.db), db: f.db, settings: settings ?? f.r.app.services.config.retention
        )
        .run(now: f.r.app.services.clock.now, maxBatches: maxBatches)
    }

    @Test("payloads at 30 days, deliveries at 90, finished jobs at 7, sent notifications at 30, setup requests at 14; dead and pending rows stay")
    func ages() async throws {
        let clock = ManualClock()
        try await withSyncFixture(["NOTIFY_ENDPOINT": "https://hr.example/notify"], clock: clock) { f in
            // Given: a processed delivery with its finished job and notifications, a dead delivery, a setup request.
            let signed = try await f.signedContract()
            _ = try await f.post(try f.notification(contractID: signed, events: ["contract:sign"]))
            _ = try await f.post(try f.notification(contractID: 999_999, events: ["contract:sign"]))
            try await f.settle()
            let dead = try #require(try await f.deliveries().first { $0.oneflowContractID == 999_999 })
            dead.status = .dead
            try await dead.save(on: f.db)
            let notifications = try await OutboundNotification.query(on: f.db).all()
            #expect(notifications.count >= 2)
            let sent = try #require(notifications.first)
            (sent.status, sent.nextAttemptAt) = (.sent, clock.now)
            try await sent.save(on: f.db)
            try await SetupRequest(oneflowAccountID: 4242, accountName: "Waiting AB", tokenSealed: "sealed", at: clock.now).create(on: f.db)
            let jobs = try await Job.query(on: f.db).filter(\.$status == .succeeded).count()
            #expect(jobs >= 1)
            #expect(try await eventually { try await f.deliveries().allSatisfy { $0.status != .pending && $0.status != .failed } })
            let finished = try await f.deliveries().filter { $0.status == .processed || $0.status == .ignored }.count
            #expect(finished >= 1)

            // When / then: nothing before its time …
            clock.advance(by: 6.9 * Self.day)
            #expect(try await purge(f).purged.values.reduce(0, +) == 0)
            // … finished jobs after 7 days …
            clock.advance(by: 0.2 * Self.day)
            var report = try await purge(f)
            #expect(report.purged[.job] == jobs)
            #expect(try await Job.query(on: f.db).filter(\.$status == .succeeded).count() == 0)
            // … setup requests after 14 …
            clock.advance(by: 7 * Self.day)
            report = try await purge(f)
            #expect(report.purged[.setupRequest] == 1)
            #expect(report.purged[.deliveryPayload] == 0)
            // … processed payloads and sent notifications after 30 (the pending ones stay) …
            clock.advance(by: 16 * Self.day)
            report = try await purge(f)
            #expect(report.purged[.deliveryPayload] == finished)
            #expect(report.purged[.notification] == 1)
            #expect(try await OutboundNotification.query(on: f.db).count() == notifications.count - 1)
            let processed = try #require(try await f.deliveries().first { $0.oneflowContractID == signed })
            #expect(processed.payload.isEmpty)
            #expect(try await f.deliveries().first { $0.status == .dead }?.payload.isEmpty == false)
            // … processed rows after 90; the dead delivery stays until replayed.
            clock.advance(by: 59.9 * Self.day)
            #expect(try await purge(f).purged[.delivery] == 0)
            clock.advance(by: 0.2 * Self.day)
            #expect(try await purge(f).purged[.delivery] == finished)
            #expect(try await f.deliveries().map(\.status) == [.dead])
            // The contract's history stays, no longer linked to the delivery.
            #expect(try await f.history().allSatisfy { $0.$delivery.id == nil })
        }
    }

    @Test("a run purges in batches, says when rows are left, and a kind set to 0 days is kept for ever")
    func batches() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            for n in 0..<5 { _ = try await f.post(try f.notification(contractID: 700_000 + n, events: ["contract:publish"])) }
            await f.drain()
            clock.advance(by: 100 * Self.day)
            var settings = f.r.app.services.config.retention
            settings.batchSize = 2
            settings.deliveryPayloadDays = 0

            let first = try await purge(f, settings, maxBatches: 1)
            #expect(first.purged[.delivery] == 2)
            #expect(first.more)
            #expect(first.purged[.deliveryPayload] == nil)
            let rest = try await purge(f, settings)
            #expect(rest.purged[.delivery] == 3)
            #expect(!rest.more)
        }
    }

    @Test("the worker's retention job purges, then plans its next run; the dashboard shows the data kept")
    func job() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            _ = try await f.post(try f.notification(contractID: 700_001, events: ["contract:publish"]))
            await f.drain()
            clock.advance(by: 91 * Self.day)
            let worker = SyncWorker(db: f.db, services: f.r.app.services, logger: f.r.app.logger)
            try await RetentionJobs(services: f.r.app.services).prepare(on: worker.context)

            await f.drain()

            #expect(try await f.deliveries().isEmpty)
            let planned = try await Job.query(on: f.db).filter(\.$kind == RetentionJobs.kind).filter(\.$status == .queued).all()
            #expect(planned.count == 1)
            let wait = try #require(planned.first?.runAt.timeIntervalSince(clock.now))
            #expect(abs(wait - Double(f.r.app.services.config.retention.intervalSeconds)) < 2)
            // A restart (settings may have changed) makes the planned run due at once, without a second one.
            try await RetentionJobs(services: f.r.app.services).prepare(on: worker.context)
            let replanned = try await Job.query(on: f.db).filter(\.$kind == RetentionJobs.kind).filter(\.$status == .queued).all()
            #expect(replanned.count == 1 && replanned.allSatisfy { $0.runAt.timeIntervalSince(clock.now) < 0.001 })
            let metrics = try await f.r.browser().get("/metrics")
            #expect(metrics.body.contains(#"hrbridge_retention_purged_rows_total{kind="delivery"} 1"#))

            let browser = try await AdminTests().signIn(f)
            let dashboard = try await browser.get("/admin")
            #expect(dashboard.body.contains("Data kept"))
            #expect(dashboard.body.contains("Webhook deliveries (processed)"))
            #expect(dashboard.body.contains("90.0 days"))
        }
    }

    @Test("while webhooks arrive the purge takes one statement a second at most; with none, it rests three times its work")
    func pace() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            let purge = RetentionPurge(writer: f.r.app.services.storage.writer(on: f.db), db: f.db, settings: f.r.app.services.config.retention)
            // Given: no delivery yet — not busy
            #expect(try await purge.busy(now: clock.now) == false)
            // When: a webhook arrives now
            _ = try await f.post(try f.notification(contractID: try await f.signedContract(), events: ["contract:sign"]))
            // Then: busy now and for `busyWindow`, not after
            #expect(try await purge.busy(now: clock.now))
            #expect(try await purge.busy(now: clock.now.addingTimeInterval(RetentionPurge.busyWindow - 1)))
            #expect(try await purge.busy(now: clock.now.addingTimeInterval(RetentionPurge.busyWindow + 1)) == false)
            // And the rest: busy, the rest of a second (or three times a long statement); idle, three times the statement
            #expect(purge.rest(after: .milliseconds(4), busy: true) == .milliseconds(996))
            #expect(purge.rest(after: .milliseconds(400), busy: true) == .milliseconds(1_200))
            #expect(purge.rest(after: .milliseconds(4), busy: false) == .milliseconds(12))
        }
    }

    @Test(
        "a run gives each kind its share of the lease and leaves the rest to the next; a payload in a row old enough to go waits for the row's purge")
    func share() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            // Given: 25 processed deliveries and the contract's own, 100 days old (past both the
            // payloads' 30 days and the rows' 90)
            let signed = try await f.signedContract()
            for n in 0..<25 { _ = try await f.post(try f.notification(contractID: signed, events: ["contract:sign"], callbackID: "share-\(n)")) }
            try await f.settle()
            #expect(try await eventually { try await f.deliveries().allSatisfy { $0.status == .processed } })
            let total = try await f.deliveries().count
            #expect(total > 25)
            clock.advance(by: 100 * Self.day)
            // When: a run with no time to spare
            var purge = RetentionPurge(writer: f.r.app.services.storage.writer(on: f.db), db: f.db, settings: f.r.app.services.config.retention)
            purge.longestRun = .zero
            let first = try await purge.run(now: clock.now)
            // Then: one statement of the deliveries (its first size, 20), more to come; the
            // payloads of those left are not emptied, as their rows go next
            #expect(first.purged[.delivery] == 20)
            #expect(first.more)
            #expect(first.purged[.deliveryPayload] == 0)
            #expect(try await f.deliveries().filter { !$0.payload.isEmpty }.count == total - 20)
            // When: the next run, with its time
            purge.longestRun = .seconds(30)
            let next = try await purge.run(now: clock.now)
            #expect(next.purged[.delivery] == total - 20)
            #expect(!next.more)
            #expect(try await f.deliveries().isEmpty)
        }
    }
}

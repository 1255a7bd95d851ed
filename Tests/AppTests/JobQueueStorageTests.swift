import Fluent
import Foundation
import SQLKit
import Testing

@testable import App

/// The job queue's SQL on both databases: atomic claims, leases, backoff, dead-lettering.
@Suite("Job queue storage")
struct JobQueueStorageTests {
    func withQueue(_ url: String, _ body: (JobQueue, any Database) async throws -> Void) async throws {
        try await MigrationTests().withDatabase(url) { app in try await body(JobQueue(db: app.db), app.db) }
    }

    @Test("concurrent claims never hand out the same job; an expired lease is claimed again", arguments: MigrationTests.databases)
    func claims(url: String) async throws {
        try await withQueue(url) { queue, db in
            let now = Date()
            for n in 0..<5 { try await queue.enqueue(kind: "test", payload: ["n": n], maxAttempts: 3, runAt: now.addingTimeInterval(-1)) }
            try await queue.enqueue(kind: "test", payload: ["n": 99], maxAttempts: 3, runAt: now.addingTimeInterval(3600))
            let claimed = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for worker in 0..<8 { group.addTask { try await queue.claim(worker: "w\(worker)", now: now)?.id } }
                return try await group.reduce(into: [UUID]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(claimed.count == 5)
            #expect(Set(claimed).count == 5)
            #expect(try await queue.claim(worker: "late", now: now) == nil)  // the future one is not due
            let reclaimed = try await queue.claim(worker: "rescuer", now: now.addingTimeInterval(queue.lease + 1))
            #expect(reclaimed.map { claimed.contains($0.id!) } == true)
            #expect(reclaimed?.attempts == 2)
            #expect(reclaimed?.leasedBy == "rescuer")
        }
    }

    @Test("the depth counts queued and running jobs and ages the oldest of either, not the finished", arguments: MigrationTests.databases)
    func depth(url: String) async throws {
        try await withQueue(url) { queue, db in
            // Given: a finished job from long ago, a running one from 10 minutes ago, a queued one from 5
            let now = Date()
            let old = try await queue.enqueue(kind: "test", payload: ["n": 0], maxAttempts: 3, runAt: now.addingTimeInterval(-86400))
            let running = try await queue.enqueue(kind: "test", payload: ["n": 1], maxAttempts: 3, runAt: now.addingTimeInterval(-600))
            try await queue.enqueue(kind: "test", payload: ["n": 2], maxAttempts: 3, runAt: now.addingTimeInterval(-300))
            let first = try #require(try await queue.claim(worker: "w", now: now))
            #expect(first.id == old.id)
            try await queue.succeed(first, now: now)
            #expect(try await queue.claim(worker: "w", now: now)?.id == running.id)
            // When / then
            let depth = try await queue.depth(now: now)
            #expect(depth.count == 2)
            #expect(abs((depth.oldest ?? 0) - 600) < 1)
        }
    }

    @Test("a job is read from its row field by field as Fluent's reflection reads it", arguments: MigrationTests.databases)
    func decodedByHand(url: String) async throws {
        // Its declared properties are Fluent's: RowDecodableTests.declared.
        try await withQueue(url) { queue, db in
            let sql = try #require(db as? any SQLDatabase)
            let job = try await queue.enqueue(kind: "test", payload: ["n": 1], maxAttempts: 3, runAt: Date().addingTimeInterval(-1))
            let claimed = try #require(try await queue.claim(worker: "w", now: Date()))
            #expect(claimed.id == job.id && claimed.$id.exists)
            // Every optional column set, so that no field is read as missing by both.
            try await sql.raw("UPDATE jobs SET last_error = 'boom', finished_at = \(bind: Date(timeIntervalSince1970: 1_800_000_000.5))").run()
            let row = try #require(try await sql.raw("SELECT * FROM jobs").first())
            let byHand = try Job.decode(row)
            let byFluent = try row.decode(fluentModel: Job.self)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let json = try String(decoding: encoder.encode(byHand), as: UTF8.self)
            #expect(json == String(decoding: try encoder.encode(byFluent), as: UTF8.self))
            for key in ["leasedBy", "leaseExpiresAt", "lastError", "finishedAt", "createdAt", "updatedAt"] {
                #expect(json.contains("\"\(key)\":") && !json.contains("\"\(key)\":null"), "\(key) in \(json)")
            }
            #expect(byHand.$id.exists && byHand.status == .running && byHand.leasedBy == "w")
        }
    }

    @Test("failures back off, then go dead; success finishes", arguments: MigrationTests.databases)
    func outcomes(url: String) async throws {
        try await withQueue(url) { queue, db in
            let job = try await queue.enqueue(kind: "test", payload: [String: String](), maxAttempts: 2, runAt: Date().addingTimeInterval(-1))
            var claimed = try #require(try await queue.claim(worker: "w", now: Date()))
            #expect(try await queue.fail(claimed, error: "boom", retryable: true, now: Date()) == false)
            #expect(try await Job.find(job.id, on: db)?.status == .queued)
            claimed = try #require(try await queue.claim(worker: "w", now: Date().addingTimeInterval(3600)))
            #expect(try await queue.fail(claimed, error: "boom again", retryable: true, now: Date()) == true)
            let dead = try #require(try await Job.find(job.id, on: db))
            #expect(dead.status == .dead)
            #expect(dead.lastError == "boom again")
            try await queue.replay(dead, now: Date())
            let again = try #require(try await queue.claim(worker: "w", now: Date()))
            try await queue.succeed(again, now: Date())
            #expect(try await Job.find(job.id, on: db)?.status == .succeeded)
            #expect(try await queue.depth(now: Date()).count == 0)
        }
    }

    @Test("a stopping worker hands back only its own running jobs, due at once, the attempt not counted", arguments: MigrationTests.databases)
    func release(url: String) async throws {
        try await withQueue(url) { queue, db in
            let past = Date().addingTimeInterval(-10)
            let mine = try await queue.enqueue(kind: "test", payload: ["n": 1], maxAttempts: 3, runAt: past)
            let theirs = try await queue.enqueue(kind: "test", payload: ["n": 2], maxAttempts: 3, runAt: past.addingTimeInterval(1))
            #expect(try await queue.claim(worker: "stopping", now: Date())?.id == mine.id)
            #expect(try await queue.claim(worker: "busy", now: Date())?.id == theirs.id)

            #expect(try await queue.release(worker: "stopping", now: Date()) == 1)

            let released = try #require(try await Job.find(mine.id, on: db))
            #expect(released.status == .queued)
            #expect(released.attempts == 0)
            #expect(released.leasedBy == nil && released.leaseExpiresAt == nil)
            #expect(try await Job.find(theirs.id, on: db)?.status == .running)
            #expect(try await queue.claim(worker: "next", now: Date())?.id == mine.id)
        }
    }

    @Test("backoff starts at the configured base and doubles, with ±25% jitter")
    func backoff() {
        for (attempt, expected) in [(1, 0.5), (2, 1.0), (3, 2.0), (20, 3600.0)] {
            let wait = JobQueue.backoff(attempt: attempt, base: 0.5)
            #expect(wait >= expected * 0.75 && wait <= expected * 1.25, "attempt \(attempt): \(wait)")
        }
    }

    @Test("a look for a planned job reads jobs_planned, not the queue of deliveries' sync jobs", arguments: MigrationTests.databases)
    func plannedByIndex(url: String) async throws {
        try await withQueue(url) { queue, db in
            // Given: deliveries' sync jobs queued, and one retention run planned
            for n in 0..<50 { try await queue.enqueue(kind: JobQueue.Kind.syncDelivery, payload: ["n": n], maxAttempts: 3, runAt: Date()) }
            try await queue.enqueue(kind: RetentionJobs.kind, payload: [String: String](), maxAttempts: 3, runAt: Date())
            // When: the retention job looks for a planned run
            let look = JobQueue.planned(RetentionJobs.kind, [.queued], on: db)
            // Then: it finds the one run, through the partial index
            #expect(try await look.count() == 1)
            let plan = try await QueryPlan.of(look, on: db)
            #expect(plan.contains("jobs_planned"), "\(plan)")
        }
    }

    @Test("the installation lock statement runs on both databases", arguments: MigrationTests.databases)
    func lock(url: String) async throws {
        try await withQueue(url) { _, db in
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: db)
            try await db.transaction { tx in try await InstallationLock.acquire(try installation.requireID(), on: tx) }
            #expect(try await Installation.find(installation.id, on: db)?.accountName == "Acme")
        }
    }
}

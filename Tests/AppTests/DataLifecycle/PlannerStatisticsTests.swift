import Fluent
import Foundation
import SQLKit
import SQLiteStorage
import Synchronization
import Testing

@testable import App

/// SQLite's query-planner statistics (`PlannerStatistics`): gathered when the worker starts,
/// then by the retention job at most hourly, where a table changed enough; the reading
/// connections told to reload them. PostgreSQL keeps its own.
@Suite("Planner statistics")
struct PlannerStatisticsTests {
    @Test(
        "SQLite: analyzed when the worker starts, again by the retention job after an hour where a table grew tenfold, readers reloaded; PostgreSQL: never"
    )
    func refreshedHourly() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            let services = f.r.app.services
            let reader = CountingWriter(inner: services.storage.writer(on: f.db))
            let retention = RetentionJobs(services: services, readers: [reader])
            let worker = SyncWorker(db: f.db, services: services, logger: f.r.app.logger)
            guard !testsRunOnPostgres else {
                try await retention.prepare(on: worker.context)
                #expect(
                    try await f.db.sql().raw("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename = 'sqlite_stat1'").first()?.decode(
                        column: "n", as: Int.self) == 0)
                #expect(reader.writes == 0)
                return
            }
            // Given an audit trail of 1,500 entries
            try await addAuditEvents(1_500, on: f.db)
            #expect(try await rows(of: "audit_events", on: f.db) == nil)

            // When the worker starts
            try await retention.prepare(on: worker.context)
            // Then the table was analyzed (an index sampled: the count is SQLite's estimate), and the reader told to reload
            let first = try #require(try await rows(of: "audit_events", on: f.db))
            #expect(first > 0)
            #expect(reader.writes == 1)

            // Given the trail grown tenfold
            try await addAuditEvents(15_000, on: f.db)
            // When the retention job runs within the hour
            clock.advance(by: 60)
            await f.drain()
            // Then the statistics are as they were
            #expect(try await rows(of: "audit_events", on: f.db) == first)
            #expect(reader.writes == 1)

            // When it runs after the hour
            clock.advance(by: PlannerStatistics.interval)
            try await retention.prepare(on: worker.context)  // plans a run due now
            let jobs = await f.drain()
            // Then the table was analyzed again, and the reader reloaded again
            #expect(jobs > 0)
            #expect(try await rows(of: "audit_events", on: f.db) ?? 0 > first * 5)
            #expect(reader.writes == 2)

            // and an hour later, with nothing changed, nothing is written
            clock.advance(by: PlannerStatistics.interval)
            let analyzed = await services.storage.statistics.refreshIfDue(
                with: services.storage.writer(on: f.db), readers: [reader], now: clock.now, logger: f.r.app.logger)
            #expect(analyzed == [])
            #expect(reader.writes == 2)
        }
    }

    private func addAuditEvents(_ count: Int, on db: any Database) async throws {
        try await db.sql().raw(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(literal: count))
            INSERT INTO audit_events (id, at, actor, action, detail)
            SELECT lower(hex(randomblob(16))), '2026-01-01 00:00:00', 'test', 'filler', '' FROM n
            """
        ).run()
    }

    /// The row count `sqlite_stat1` holds for `table` (nil: never analyzed).
    private func rows(of table: String, on db: any Database) async throws -> Int? {
        let sql = try db.sql()
        guard try await sql.raw("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'").first()?.decode(column: "n", as: Int.self) == 1
        else { return nil }
        let stat = try await sql.raw("SELECT stat FROM sqlite_stat1 WHERE tbl = \(bind: table) LIMIT 1").first()?.decode(
            column: "stat", as: String.self)
        return stat?.split(separator: " ").first.flatMap { Int($0) }
    }
}

/// A writer that counts its writes, passing them on.
private final class CountingWriter: DatabaseWriter {
    let inner: any DatabaseWriter
    private let count = Mutex(0)
    var writes: Int { count.withLock { $0 } }

    init(inner: any DatabaseWriter) { self.inner = inner }

    func write<T: Sendable>(_ priority: WriteGate.Priority, _ body: (any Database) async throws -> T) async throws -> T {
        count.withLock { $0 += 1 }
        return try await inner.write(priority, body)
    }

    func transaction<T: Sendable>(_ priority: WriteGate.Priority, _ body: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        count.withLock { $0 += 1 }
        return try await inner.transaction(priority, body)
    }
}

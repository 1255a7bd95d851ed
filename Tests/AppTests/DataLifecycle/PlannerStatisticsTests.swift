import Fluent
import Foundation
import SQLKit
import Testing

@testable import App

/// SQLite's query-planner statistics (`PlannerStatistics`): gathered at start-up, refreshed by
/// the retention job once an hour has passed; PostgreSQL keeps its own.
@Suite("Planner statistics")
struct PlannerStatisticsTests {
    @Test("SQLite: refreshed at start-up, then by the retention job once an hour has passed, not before; PostgreSQL: never")
    func refreshedHourly() async throws {
        let clock = ManualClock()
        try await withSyncFixture(clock: clock) { f in
            let services = f.r.app.services
            guard !testsRunOnPostgres else {
                #expect(
                    await !services.storage.statistics.refreshIfDue(with: services.storage.writer(on: f.db), now: clock.now, logger: f.r.app.logger))
                return
            }
            // Given a refresh at start-up (no statistics for the empty job table yet), then a
            // table grown from nothing to 1,500 rows (finished jobs, which nothing runs)
            #expect(try await statistics(of: "jobs", on: f.db) == 0)
            try await services.storage.writer(on: f.db).transaction(.background) { tx in
                for _ in 0..<1_500 {
                    try await JobQueue(db: tx).enqueue(kind: "filler", payload: [String: String](), maxAttempts: 1, runAt: clock.now)
                }
                try await tx.sql().raw("UPDATE jobs SET status = 'succeeded', finished_at = \(bind: clock.now) WHERE kind = 'filler'").run()
            }
            let worker = SyncWorker(db: f.db, services: services, logger: f.r.app.logger)
            try await RetentionJobs(services: services).prepare(on: worker.context)

            // When the retention job runs within the hour
            clock.advance(by: 60)
            await f.drain()
            // Then the statistics are as they were
            #expect(try await statistics(of: "jobs", on: f.db) == 0)

            // When it runs after the hour
            clock.advance(by: PlannerStatistics.interval)
            try await RetentionJobs(services: services).prepare(on: worker.context)
            await f.drain()
            // Then the job table's indexes have statistics
            #expect(try await statistics(of: "jobs", on: f.db) > 0)
        }
    }

    /// Rows of `sqlite_stat1` for `table` (0 when ANALYZE never ran: the table is missing).
    private func statistics(of table: String, on db: any Database) async throws -> Int {
        let sql = try db.sql()
        let exists = try await sql.raw("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'").first()?.decode(
            column: "n", as: Int.self)
        guard exists == 1 else { return 0 }
        return try await sql.raw("SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = \(bind: table)").first()?.decode(column: "n", as: Int.self) ?? 0
    }
}

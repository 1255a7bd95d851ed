import FluentKit
import Foundation
import Logging
import SQLKit
import Synchronization

/// SQLite's query-planner statistics (`sqlite_stat1`), kept current the way SQLite advises an
/// application with long-lived connections: `PRAGMA optimize` at start-up and then about
/// hourly, every table checked, with an analysis limit so that an index is sampled rather than
/// read whole (https://sqlite.org/lang_analyze.html#periodically_run_pragma_optimize_,
/// https://sqlite.org/pragma.html#pragma_optimize). It runs ANALYZE only where a table's size
/// changed enough since the last time; usually it does nothing.
///
/// Without statistics SQLite guesses how selective each index is. The year's figures
/// (bench/growth.py) were measured with statistics, which only the benchmark gathered: the
/// service never did, so a customer's database planned its queries on guesses. PostgreSQL's
/// autovacuum keeps its statistics itself: nothing runs there.
final class PlannerStatistics: Sendable {
    /// Between refreshes in one process (at start-up, then from the retention job).
    static let interval: TimeInterval = 60 * 60
    /// Check every table, not only those this connection used (0x10000); ANALYZE those that
    /// may benefit (0x02) under a temporary analysis limit (0x10).
    static let mask = "0x10012"

    private let applies: Bool
    private let last = Mutex<Date?>(nil)

    /// - Parameter applies: SQLite (its one writer); PostgreSQL analyzes on its own.
    init(applies: Bool) {
        self.applies = applies
    }

    /// Refreshes them unless this process did less than `interval` ago. Through `writer`, in
    /// the write gate's turn (ANALYZE writes `sqlite_stat1`); a failure is logged and tried
    /// again next time. - Returns: whether it ran.
    @discardableResult
    func refreshIfDue(with writer: any DatabaseWriter, now: Date, logger: Logger) async -> Bool {
        guard applies else { return false }
        let due = last.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= Self.interval }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return false }
        let started = ContinuousClock.now
        do {
            try await writer.write(.background) { db in
                let sql = try db.sql()
                // What each ANALYZE samples per index (SQLite suggests 100 to 1,000).
                try await sql.raw("PRAGMA analysis_limit = 400").run()
                try await sql.raw("PRAGMA optimize = \(unsafeRaw: Self.mask)").run()
            }
            let elapsed = ContinuousClock.now - started
            logger.info(
                "SQLite planner statistics refreshed",
                metadata: ["duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)"])
            return true
        } catch {
            last.withLock { $0 = nil }
            logger.warning("SQLite planner statistics could not be refreshed", metadata: ["error": "\(ErrorText.log(error))"])
            return false
        }
    }
}

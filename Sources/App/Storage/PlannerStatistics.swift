import FluentKit
import Foundation
import Logging
import SQLKit
import Synchronization

/// SQLite's query-planner statistics (`sqlite_stat1`), kept current the way SQLite advises an
/// application with long-lived connections: `PRAGMA optimize` every few hours, every table
/// checked, with an analysis limit so that an index is sampled rather than read whole
/// (https://sqlite.org/lang_analyze.html#periodically_run_pragma_optimize_,
/// https://sqlite.org/pragma.html#pragma_optimize). The retention job asks when the worker
/// starts and then at most hourly; usually nothing needs analyzing and nothing is written.
///
/// A connection reads the statistics when it loads the schema, and an ANALYZE does not make
/// the others load it again: after one, each reading connection is told to reload them
/// (`ANALYZE sqlite_schema`), or the HTTP loops' connections would keep planning on what they
/// read at start-up.
///
/// Without statistics SQLite guesses how selective each index is. The year's figures
/// (bench/growth.py) were measured with statistics that only the benchmark gathered; the
/// service never did. PostgreSQL's autovacuum keeps its statistics itself: nothing runs there.
final class PlannerStatistics: Sendable {
    /// Between refreshes in one process.
    static let interval: TimeInterval = 60 * 60
    /// After a failure, the next try (a file locked by another process, say).
    static let retryAfter: TimeInterval = 5 * 60
    /// What `PRAGMA optimize` does: check every table, not only those this connection used
    /// (0x10000), and ANALYZE those that may benefit (0x02). With 0x01 it only lists them.
    static let analyze = "0x10002"
    static let list = "0x10003"

    private let applies: Bool
    private let last = Mutex<Date?>(nil)

    /// - Parameter applies: SQLite (its one writer); PostgreSQL analyzes on its own.
    init(applies: Bool) {
        self.applies = applies
    }

    /// Refreshes them unless this process did less than `interval` ago: through `writer`, in
    /// the write gate's turn (ANALYZE writes `sqlite_stat1`), then, if anything was analyzed,
    /// `reload` on each reading connection (`readers`, each a writer of its own connection:
    /// reloading takes the write lock too). A failure is logged and tried again later.
    /// - Returns: the tables analyzed (nil: not due, or not SQLite).
    @discardableResult
    func refreshIfDue(with writer: any DatabaseWriter, readers: [any DatabaseWriter], now: Date, logger: Logger) async -> [String]? {
        guard applies else { return nil }
        let due = last.withLock { last in
            guard last.map({ now.timeIntervalSince($0) >= Self.interval }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return nil }
        do {
            let (analyzed, took) = try await writer.write(.background) { db in
                let sql = try db.sql()
                let started = ContinuousClock.now
                // One line per ANALYZE it would run; none, usually, and then nothing is written.
                let planned = try await sql.raw("PRAGMA optimize = \(unsafeRaw: Self.list)").all()
                    .compactMap { try? $0.decode(column: $0.allColumns.first ?? "", as: String.self) }
                guard !planned.isEmpty else { return ([String](), ContinuousClock.now - started) }
                // What each ANALYZE samples per index (SQLite suggests 100 to 1,000).
                try await sql.raw("PRAGMA analysis_limit = 400").run()
                try await sql.raw("PRAGMA optimize = \(unsafeRaw: Self.analyze)").run()
                return (planned, ContinuousClock.now - started)
            }
            guard !analyzed.isEmpty else { return [] }
            for reader in readers {
                try await reader.write(.background) { db in try await db.sql().raw("ANALYZE sqlite_schema").run() }
            }
            logger.info(
                "SQLite planner statistics refreshed",
                metadata: ["analyzed": "\(analyzed.joined(separator: "; "))", "duration_ms": "\(Self.milliseconds(took))"])
            return analyzed
        } catch {
            last.withLock { $0 = now.addingTimeInterval(Self.retryAfter - Self.interval) }
            logger.warning("SQLite planner statistics could not be refreshed", metadata: ["error": "\(ErrorText.log(error))"])
            return nil
        }
    }

    private static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", duration / .milliseconds(1))
    }
}

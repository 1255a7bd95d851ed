import Fluent
import SQLKit

/// Jobs by kind and status, leaving out the deliveries' sync jobs: the index behind "is one
/// planned already?" for the kinds there are few of (retention, reconcile, a batch's driver, a
/// re-apply; `JobQueue.planned`). Through the status index such a look read every queued job
/// to check its kind; behind a backlog of some 50,000 webhooks the retention job's look held
/// SQLite's write lock 120–230 ms, and every acknowledgement meanwhile waited for it
/// (bench/RESULTS.md, 2026-12-06). Partial, so the job an acknowledgement writes adds nothing
/// to it. A query may use it only if it repeats the predicate word for word (SQLite:
/// https://www.sqlite.org/partialindex.html#queries_using_partial_indexes); `JobQueue.planned` does.
struct AddPlannedJobsIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.sql().raw("CREATE INDEX jobs_planned ON jobs (kind, status) WHERE kind <> 'sync-delivery'").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: SQLIdentifier("jobs_planned")).run()
    }
}

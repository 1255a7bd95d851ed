import Fluent
import FluentSQL

extension JobQueue {
    /// A kind's jobs in `statuses`: "is one planned already?" for every kind but a delivery's
    /// sync (of which there is one per webhook). Found through `jobs_planned`
    /// (`AddPlannedJobsIndex`), or an index on a column the caller adds a filter for, not by
    /// reading the queue: the filter repeats the index's predicate, without which SQLite does
    /// not use a partial index (PostgreSQL proves it from the kind).
    static func planned(_ kind: String, _ statuses: [Job.Status], on db: any Database) -> QueryBuilder<Job> {
        precondition(kind != Kind.syncDelivery, "a delivery's sync jobs are not in jobs_planned")
        return Job.query(on: db).filter(\.$kind == kind).filter(\.$status ~~ statuses).filter(.sql(unsafeRaw: "kind <> 'sync-delivery'"))
    }
}

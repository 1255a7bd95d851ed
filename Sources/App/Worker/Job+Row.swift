import FluentKit
import SQLKit
import SQLiteStorage

extension Job {
    /// A job from a row of `jobs` (the claim's `RETURNING *`), as FluentSQL's
    /// `decode(fluentModel:)` makes it: the same fields, read the same way, and known to exist.
    ///
    /// FluentSQL finds a model's fields by reflection (`Mirror`, demangling each field's
    /// type) for every row. On the worker's claim that was a tenth of the write thread's time,
    /// with the write lock held and acknowledgements waiting for it (bench/RESULTS.md).
    static func decode(_ row: any SQLRow) throws -> Job {
        let job = Job()
        let output = SQLRowOutput(row: row)
        for property in job.declaredProperties { try property.output(from: output) }
        return job
    }

    /// Every property, in declaration order. A new field must be added here: a test compares
    /// this list with Fluent's reflection (`properties`).
    var declaredProperties: [any AnyDatabaseProperty] {
        [$id, $kind, $payload, $status, $attempts, $maxAttempts, $runAt, $leaseExpiresAt, $leasedBy, $lastError, $createdAt, $updatedAt, $finishedAt]
    }
}

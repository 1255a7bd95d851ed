import FluentKit

/// The worker's claim reads its jobs from the claim's `RETURNING *` (`RowDecodable`): on the
/// claim, Fluent's reflection was a tenth of the write thread's time (bench/RESULTS.md).
extension Job: RowDecodable {
    var declaredProperties: [any AnyDatabaseProperty] {
        [$id, $kind, $payload, $status, $attempts, $maxAttempts, $runAt, $leaseExpiresAt, $leasedBy, $lastError, $createdAt, $updatedAt, $finishedAt]
    }
}

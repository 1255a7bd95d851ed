import Fluent
import Foundation

/// A durable unit of background work. Claimed with a lease; an expired lease means the
/// worker died and the job may be claimed again. Retried with backoff until `maxAttempts`,
/// then `dead` (and replayable).
public final class Job: Model, @unchecked Sendable {
    public static let schema = "jobs"

    public enum Status: String, Codable, Sendable, CaseIterable {
        case queued, running, succeeded, dead
    }

    @ID(key: .id) public var id: UUID?
    /// What to do, e.g. `sync-delivery`; the payload is that kind's JSON.
    @Field(key: "kind") public var kind: String
    @Field(key: "payload") public var payload: String
    @Enum(key: "status") public var status: Status
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "max_attempts") public var maxAttempts: Int
    @Field(key: "run_at") public var runAt: Date
    @OptionalField(key: "lease_expires_at") public var leaseExpiresAt: Date?
    @OptionalField(key: "leased_by") public var leasedBy: String?
    @OptionalField(key: "last_error") public var lastError: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?
    @OptionalField(key: "finished_at") public var finishedAt: Date?

    public init() {}

    public init(kind: String, payload: String, maxAttempts: Int, runAt: Date) {
        self.id = .timeOrdered()
        self.kind = kind
        self.payload = payload
        self.status = .queued
        self.attempts = 0
        self.maxAttempts = maxAttempts
        self.runAt = runAt
    }
}

import Fluent

struct CreateJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("run_at", .datetime, .required)
            .field("lease_expires_at", .datetime)
            .field("leased_by", .string)
            .field("last_error", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("finished_at", .datetime)
            .create()
        // The claim query: queued jobs due now, and running jobs whose lease expired.
        try await IndexHelper.create("jobs_status_run_at", on: "jobs", columns: ["status", "run_at"], in: database)
        try await IndexHelper.create("jobs_status_lease", on: "jobs", columns: ["status", "lease_expires_at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("jobs").delete()
    }
}

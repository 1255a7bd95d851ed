import Fluent

/// `audit_events`: who did what to which installation, and when (`AuditEvent`). No foreign
/// key to installations: the trail outlives what it names.
struct CreateAuditEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .id()
            .field("at", .datetime, .required)
            .field("actor", .string, .required)
            .field("action", .string, .required)
            .field("installation_id", .uuid)
            .field("subject", .string)
            .field("detail", .string, .required)
            .create()
        try await IndexHelper.create("audit_events_installation_at", on: "audit_events", columns: ["installation_id", "at"], in: database)
        try await IndexHelper.create("audit_events_at", on: "audit_events", columns: ["at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_events").delete()
    }
}

import Fluent

/// `browser_sessions`, replacing Fluent's `_fluent_sessions` (which has no times, so neither
/// a lifetime nor a purge could be enforced). Sessions of the old table are dropped: signing
/// in again once is the cost.
struct CreateBrowserSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(BrowserSession.schema)
            .id()
            .field("key", .string, .required)
            .field("data", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "key")
            .create()
        try await IndexHelper.create("browser_sessions_last_seen", on: BrowserSession.schema, columns: ["last_seen_at"], in: database)
        try await database.schema("_fluent_sessions").delete()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(BrowserSession.schema).delete()
        try await SessionRecord.migration.prepare(on: database).get()
    }
}

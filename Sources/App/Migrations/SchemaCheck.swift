import Fluent
import FluentPostgresDriver
import Vapor

/// On PostgreSQL, `hrbridge migrate` is a deploy step of its own (README, "Operations"). A
/// new build started before it ran failed later, request by request and job by job, on a
/// table or column it expected; now every command that uses the database checks first.
public enum SchemaCheck {
    /// Throws `SchemaBehind` when this build has migrations the database has not run.
    public static func requireMigrated(_ app: Application) async throws {
        let pending: [(any Migration, DatabaseID?)]
        do {
            pending = try await app.migrator.previewPrepareBatch().get()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P01" {
            // Fluent's migration log (`_fluent_migrations`) does not exist: nothing ever ran here.
            throw SchemaBehind.neverMigrated
        }
        guard let first = pending.first else { return }
        throw SchemaBehind.pending(count: pending.count, first: first.0.name)
    }
}

public enum SchemaBehind: Error, Equatable, CustomStringConvertible {
    case neverMigrated
    case pending(count: Int, first: String)

    public var description: String {
        switch self {
        case .neverMigrated:
            "the database has no HR Bridge tables yet: run `hrbridge migrate --yes`, then start again"
        case .pending(let count, let first):
            "the database's schema is behind this build (\(count) migration\(count == 1 ? "" : "s") not run, the first \(first)): "
                + "run `hrbridge migrate --yes`, then start again"
        }
    }
}

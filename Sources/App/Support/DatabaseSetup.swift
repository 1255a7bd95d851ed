import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

/// Registers the configured database and its migrations.
enum DatabaseSetup {
    static func configure(_ app: Application, _ database: AppConfig.Database) throws {
        switch database {
        case .sqliteInMemory:
            app.databases.use(.sqlite(.memory, sqlLogLevel: nil), as: .sqlite)
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            // Foreign keys are switched on per connection by sqlite-kit (`enableForeignKeys`);
            // sqlite-nio installs a busy handler that waits out locks instead of failing.
            app.databases.use(.sqlite(.file(path), sqlLogLevel: nil), as: .sqlite)
        case .postgres(let url):
            do {
                app.databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4, sqlLogLevel: .debug), as: .psql)
            } catch {
                throw ConfigError(key: "database.url", "cannot be used for PostgreSQL: \(error)")
            }
        }
        app.migrations.add(Migrations.all)
    }

    /// Settings that persist in the SQLite file: write-ahead logging lets readers (admin
    /// pages, the API) proceed while the webhook receiver writes.
    static func prepareSQLite(_ db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        try await sql.raw("PRAGMA journal_mode = WAL").run()
    }
}

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
                try FileManager.default.createPrivateDirectory(atPath: directory)
            }
            try PrivateFile.createIfMissing(atPath: path)
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

    /// Write-ahead logging (persists in the file) lets readers (admin pages, the API) proceed
    /// while the webhook receiver writes. `busy_timeout` is per connection: sqlite-nio
    /// installs a busy handler that retries a locked write forever, spinning a thread, so a
    /// lock held by another process (a backup, a stuck tool) would hang the ack instead of
    /// answering 503. `PRAGMA busy_timeout` replaces that handler
    /// (https://sqlite.org/c3ref/busy_timeout.html). fluent-sqlite-driver keeps exactly one
    /// connection per event loop and has no per-connection hook, so each loop's connection is
    /// set here, at start-up.
    static func prepareSQLite(_ app: Application, busyTimeoutMilliseconds: Int) async throws {
        guard let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        try await sql.raw("PRAGMA journal_mode = WAL").run()
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(.sqlite, logger: app.logger, on: loop) as? any SQLiteDatabase else { continue }
            try await db.withConnection { connection in
                connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)").flatMap { _ in
                    // Deleted rows are overwritten with zeros, not left in free space: an
                    // erased person's data does not stay readable in the file.
                    connection.query("PRAGMA secure_delete = ON").map { _ in }
                }
            }.get()
        }
    }
}

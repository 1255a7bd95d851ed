import Fluent
import SQLKit

/// Fluent's schema builder has no indexes; SQLKit does, for both SQLite and PostgreSQL.
enum IndexHelper {
    static func create(_ name: String, on table: String, columns: [String], unique: Bool = false, in database: any Database) async throws {
        var builder = try database.sql().create(index: SQLIdentifier(name)).on(SQLIdentifier(table))
        if unique { builder = builder.unique() }
        for column in columns { builder = builder.column(SQLIdentifier(column)) }
        try await builder.run()
    }
}

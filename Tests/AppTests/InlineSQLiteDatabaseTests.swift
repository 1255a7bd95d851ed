import Fluent
import Foundation
import Logging
import SQLKit
import Testing
import Vapor

@testable import App
@testable import SQLiteStorage

/// The worker's write connection on a SQLite file (`InlineSQLiteDatabase`) reads and writes
/// what Fluent's SQLite driver does, and its transactions commit or roll back whole.
@Suite("Inline SQLite database")
struct InlineSQLiteDatabaseTests {
    /// An app on a SQLite file (migrated by `configure`) and the worker's write connection to it.
    func withInline(_ body: (Application, InlineSQLiteDatabase) async throws -> Void) async throws {
        try await withTestApp(["DATABASE_URL": ""]) { app in
            let lifecycle = try SyncWorkerLifecycle.make(app, services: app.services, alongsideReceiver: false)
            let connection = try #require(lifecycle.writeConnection)
            let inline = connection.writer.db
            do {
                try await body(app, inline)
            } catch {
                await connection.shutdown()
                throw error
            }
            await connection.shutdown()
        }
    }

    @Test("the worker's claim is planned once: new values do not make SQLite prepare it again")
    func claimPreparedOnce() async throws {
        try await withInline { app, inline in
            let start = Date()
            for n in 0..<4 {
                try await JobQueue(db: app.db).enqueue(kind: "test", payload: ["n": n], maxAttempts: 3, runAt: start.addingTimeInterval(-1))
            }
            for n in 0..<4 {
                let claimed = try await JobQueue(db: inline).claim(worker: "w\(n)", limit: 1, now: start.addingTimeInterval(Double(n)))
                #expect(claimed.count == 1)
            }
            let reprepares = try inline.connection.withSQLite { $0.reprepares }
            #expect(reprepares == 0)
        }
    }

    @Test("Fluent models created, found, updated and deleted through it read the same through Fluent's driver")
    func models() async throws {
        try await withInline { app, inline in
            let installation = Installation(oneflowAccountID: 5, accountName: "Acme", webhookKey: "k5")
            try await installation.create(on: inline)
            let id = try #require(installation.id)
            #expect(installation.$id.exists)
            #expect(try await Installation.find(id, on: app.db)?.accountName == "Acme")

            let employee = Employee(installationID: id)
            employee.name = "Zoë"
            employee.employeeNumber = "7"
            try await employee.create(on: inline)
            let found = try #require(try await Employee.query(on: inline).filter(\.$installation.$id == id).filter(\.$employeeNumber == "7").first())
            #expect(found.name == "Zoë")
            #expect(found.createdAt != nil)
            found.name = "Zoë Ågren"
            try await found.update(on: inline)
            #expect(try await Employee.find(found.id, on: app.db)?.name == "Zoë Ågren")
            #expect(try await Employee.query(on: inline).count() == 1)

            // SQLKit's builders and raw SQL, with binds of each kind.
            let sql = inline as any SQLDatabase
            let row = try #require(
                try await sql.raw("SELECT \(bind: 1.5) AS f, \(bind: Data([0, 1])) AS b, \(bind: Optional<String>.none) AS n, \(bind: id) AS u")
                    .first())
            #expect(try row.decode(column: "f", as: Double.self) == 1.5)
            #expect(try row.decode(column: "b", as: Data.self) == Data([0, 1]))
            #expect(try row.decodeNil(column: "n"))
            #expect(try row.decode(column: "u", as: UUID.self) == id)
            try await found.delete(on: inline)
            #expect(try await Employee.query(on: app.db).count() == 0)
        }
    }

    @Test("a transaction commits whole, or rolls back whole when its body throws; a unique index fails as a constraint failure")
    func transactions() async throws {
        try await withInline { app, inline in
            try await inline.transaction { tx in
                try await Installation(oneflowAccountID: 1, accountName: "One", webhookKey: "k1").create(on: tx)
                try await Installation(oneflowAccountID: 2, accountName: "Two", webhookKey: "k2").create(on: tx)
            }
            #expect(try await Installation.query(on: app.db).count() == 2)

            await #expect(throws: (any Error).self) {
                try await inline.transaction { tx in
                    try await Installation(oneflowAccountID: 3, accountName: "Three", webhookKey: "k3").create(on: tx)
                    try await Installation(oneflowAccountID: 1, accountName: "One again", webhookKey: "k4").create(on: tx)  // unique account
                }
            }
            #expect(try await Installation.query(on: app.db).count() == 2)  // "Three" rolled back too

            do {
                try await Installation(oneflowAccountID: 2, accountName: "Two again", webhookKey: "k5").create(on: inline)
                Issue.record("a duplicate account was stored")
            } catch let error as any DatabaseError {
                #expect(error.isConstraintFailure)
            }
            // Fluent's future-based transaction too, and the connection is still usable.
            try await inline.transaction { tx in
                tx.eventLoop.makeFutureWithTask { try await Installation(oneflowAccountID: 6, accountName: "Six", webhookKey: "k6").create(on: tx) }
            }.get()
            #expect(try await Installation.query(on: inline).count() == 3)
        }
    }

    @Test("schema changes are refused: migrations run on Fluent's driver")
    func schema() async throws {
        try await withInline { _, inline in
            await #expect(throws: InlineSQLiteDatabaseError.self) {
                try await inline.schema("nothing").field("id", DatabaseSchema.DataType.int).create()
            }
        }
    }
}

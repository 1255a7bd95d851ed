import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting

@testable import App

/// The same migrations on SQLite and (when `scripts/test` provides one) PostgreSQL.
/// Each PostgreSQL case runs in a database of its own (`withFreshDatabase`).
/// Every other suite runs on PostgreSQL too, through `withTestApp` (`TEST_DATABASE=postgres`).
@Suite("Migrations and storage")
struct MigrationTests {
    /// The SQLite pass of `scripts/test` runs these on SQLite; its PostgreSQL pass on PostgreSQL.
    static var databases: [String] {
        testsRunOnPostgres ? (testPostgresURL.map { [$0] } ?? []) : ["sqlite::memory:"]
    }

    func withDatabase(_ url: String, _ body: (Application) async throws -> Void) async throws {
        try await withFreshDatabase(url) { url in
            try await withTestApp(["DATABASE_URL": url]) { app in
                // SQLite migrates in configure; PostgreSQL deployments run `hrbridge migrate`.
                if url.hasPrefix("postgres") { try await app.autoMigrate() }
                try await body(app)
            }
        }
    }

    @Test("every table exists", arguments: databases)
    func tables(url: String) async throws {
        try await withDatabase(url) { app in
            let sql = try #require(app.db as? any SQLDatabase)
            for table in [
                "installations", "webhook_deliveries", "jobs", "employees", "employment_contracts", "documents", "document_contents",
                "outbound_notifications",
            ] {
                let rows = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all)).from(table).all()
                #expect(rows.count == 1, "table \(table)")
            }
        }
    }

    @Test("one delivery per (installation, callback_id) and copies per other contract; one installation per Oneflow account", arguments: databases)
    func uniqueness(url: String) async throws {
        try await withDatabase(url) { app in
            let first = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "key-1")
            try await first.save(on: app.db)
            let second = Installation(oneflowAccountID: 2, accountName: "Beta", webhookKey: "key-2")
            try await second.save(on: app.db)
            await #expect(throws: (any Error).self) {
                try await Installation(oneflowAccountID: 1, accountName: "Acme again", webhookKey: "key-3").save(on: app.db)
            }

            func delivery(_ installation: Installation, _ callback: String, contract: Int = 10, copy: Bool = false) throws -> WebhookDelivery {
                let delivery = WebhookDelivery(
                    installationID: try installation.requireID(), callbackID: callback, oneflowContractID: contract,
                    eventTypes: ["contract:sign"], payload: "{}", receivedAt: Date())
                delivery.callbackCopy = copy
                return delivery
            }
            try await delivery(first, "cb-1").save(on: app.db)
            await #expect(throws: (any Error).self) { try await delivery(first, "cb-1").save(on: app.db) }
            await #expect(throws: (any Error).self) { try await delivery(first, "cb-1", contract: 11).save(on: app.db) }
            // A copy: another contract only, once per contract.
            await #expect(throws: (any Error).self) { try await delivery(first, "cb-1", copy: true).save(on: app.db) }
            try await delivery(first, "cb-1", contract: 11, copy: true).save(on: app.db)
            await #expect(throws: (any Error).self) { try await delivery(first, "cb-1", contract: 11, copy: true).save(on: app.db) }
            try await delivery(second, "cb-1").save(on: app.db)
            #expect(try await WebhookDelivery.query(on: app.db).count() == 3)
        }
    }

    @Test("HR records, jobs and notifications round-trip", arguments: databases)
    func roundTrip(url: String) async throws {
        try await withDatabase(url) { app in
            let installation = Installation(oneflowAccountID: 3, accountName: "Acme", webhookKey: "k")
            installation.templateTypeID = 12222
            installation.tokenSealed = "v1.abc.def"
            try await installation.save(on: app.db)
            let employee = Employee(installationID: try installation.requireID())
            employee.name = "Jane Doe"
            employee.employeeNumber = "10023"
            try await employee.save(on: app.db)
            let contract = EmploymentContract(installationID: try installation.requireID(), oneflowContractID: 3_000_000_001, status: "signed")
            contract.$employee.id = try employee.requireID()
            contract.stateUpdatedAt = Date(timeIntervalSince1970: 1_700_000_000)
            try await contract.save(on: app.db)
            try await Document(
                employeeID: try employee.requireID(), contractID: try contract.requireID(), filename: "c.pdf",
                contentType: "application/pdf", size: 10, sha256: "ab", storagePath: "documents/x"
            ).save(on: app.db)
            try await Job(kind: "sync-delivery", payload: "{}", maxAttempts: 5, runAt: Date()).save(on: app.db)
            try await OutboundNotification(
                installationID: try installation.requireID(), type: "employee", reason: "created",
                subjectID: try employee.requireID(), orderingKey: "e", body: "{}", now: Date()
            ).save(on: app.db)

            let loaded = try #require(try await EmploymentContract.query(on: app.db).with(\.$employee).first())
            #expect(loaded.oneflowContractID == 3_000_000_001)
            #expect(loaded.employee?.name == "Jane Doe")
            #expect(loaded.stateUpdatedAt == Date(timeIntervalSince1970: 1_700_000_000))
            #expect(try await Installation.query(on: app.db).first()?.status == .provisioning)
            #expect(try await Job.query(on: app.db).first()?.status == .queued)
            #expect(try await Document.query(on: app.db).count() == 1)
            #expect(try await OutboundNotification.query(on: app.db).first()?.status == .pending)
        }
    }

    @Test("adding callback copies keeps the deliveries stored before, their jobs and the history that points at them", arguments: databases)
    func callbackCopiesKeepRows(url: String) async throws {
        try await withDatabase(url) { app in
            try await AddCallbackCopies().revert(on: app.db)
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.save(on: app.db)
            let installationID = try installation.requireID()
            let entry = DeliveryInbox.Entry(
                notification: try GroupCommitInboxTests.notification("cb-old"), installationID: installationID, receivedAt: Date())
            // The inbox's first INSERT names no column the old table lacks.
            #expect(
                try await DeliveryInbox(maxAttempts: 5).store([entry], in: SQLRowInserts(sql: try #require(app.db as? any SQLDatabase))) == [.new])
            let contract = EmploymentContract(installationID: installationID, oneflowContractID: 7, status: "signed")
            try await contract.save(on: app.db)
            try await ContractHistory(
                contractID: try contract.requireID(), deliveryID: entry.deliveryID, source: "webhook", eventTypes: ["contract:sign"],
                fromStatus: nil, toStatus: "signed", changes: "{}"
            ).save(on: app.db)

            try await AddCallbackCopies().prepare(on: app.db)
            let kept = try #require(try await WebhookDelivery.find(entry.deliveryID, on: app.db))
            #expect(kept.callbackID == "cb-old" && kept.oneflowContractID == 7 && !kept.callbackCopy && kept.$installation.id == installationID)
            #expect(try await ContractHistory.query(on: app.db).first()?.$delivery.id == entry.deliveryID)
            #expect(try await Job.query(on: app.db).count() == 1)
            // The new indexes are in place, foreign keys too.
            let sql = SQLRowInserts(sql: try #require(app.db as? any SQLDatabase))
            let copy = DeliveryInbox.Entry(
                notification: try GroupCommitInboxTests.notification("cb-old", contractID: 8), installationID: installationID, receivedAt: Date())
            #expect(try await DeliveryInbox(maxAttempts: 5).store([entry, copy], in: sql) == [.duplicate, .conflictingCopy])
            await #expect(throws: (any Error).self) {
                _ = try await DeliveryInbox(maxAttempts: 5).store(
                    [.init(notification: try GroupCommitInboxTests.notification("orphan"), installationID: UUID(), receivedAt: Date())], in: sql)
            }
        }
    }

    @Test("migrations revert cleanly and apply again", arguments: databases)
    func revertAndReapply(url: String) async throws {
        try await withDatabase(url) { app in
            try await app.autoRevert()
            let sql = try #require(app.db as? any SQLDatabase)
            await #expect(throws: (any Error).self) { try await sql.raw("SELECT COUNT(*) FROM installations").run() }
            try await app.autoMigrate()
            try await sql.raw("SELECT COUNT(*) FROM installations").run()
        }
    }
}

import Fluent
import Foundation
import SQLKit
import Testing

@testable import App

/// The worker's plain-SQL inserts (`SQLInsertable`) write what Fluent's `create` writes.
@Suite("Rows inserted without Fluent")
struct SQLInsertableTests {
    @Test("each model's insert columns are exactly its Fluent fields")
    func columns() {
        func check<M: SQLInsertable>(_: M.Type) {
            let fields = M.keys.map(\.description)
            #expect(M.insertColumns.sorted() == fields.sorted(), "\(M.schema)")
        }
        check(Employee.self)
        check(EmploymentContract.self)
        check(ContractHistory.self)
        check(Document.self)
        check(DocumentContent.self)
        check(ContractRequest.self)
        check(ContractRequestEvent.self)
    }

    @Test("a row inserted with SQL reads back through Fluent like one Fluent created, column by column", arguments: MigrationTests.databases)
    func sameRows(url: String) async throws {
        try await MigrationTests().withDatabase(url) { app in
            let db = app.db
            let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
            try await installation.create(on: db)
            let installationID = try installation.requireID()
            let delivery = WebhookDelivery(
                installationID: installationID, callbackID: "cb-1", oneflowContractID: 7, eventTypes: ["contract:sign"],
                payload: "{}", receivedAt: Date())
            try await delivery.create(on: db)

            let (employee, employeeByFluent) = try await pair(on: db) { _ in Employee.everyColumn(installationID: installationID) }
            let contracts = try await pair(on: db, differing: ["oneflowContractID"]) { n in
                EmploymentContract.everyColumn(installationID: installationID, oneflowContractID: 100 + n, employeeID: employee.id)
            }
            _ = try await pair(on: db) { _ in
                ContractHistory(
                    contractID: contracts.inserted.id!, deliveryID: delivery.id, source: "webhook", eventTypes: ["contract:sign"],
                    fromStatus: "pending", toStatus: "signed", changes: #"{"contract.status":{"from":"pending","to":"signed"}}"#)
            }
            let documents = try await pair(on: db, differing: ["contract"]) { n in
                let d = Document(
                    employeeID: employee.id!, contractID: (n == 0 ? contracts.inserted : contracts.created).id, filename: "contract.pdf",
                    contentType: "application/pdf",
                    size: 3, sha256: "abc", storagePath: Document.inDatabase)
                d.oneflowFileID = 9
                return d
            }
            _ = try await pair(on: db, differing: ["document"]) { n in
                DocumentContent(documentID: (n == 0 ? documents.inserted : documents.created).id!, data: Data([0x25, 0x00, 0xFF]))
            }
            let batchID = UUID()
            let requests = try await pair(on: db, differing: ["batchIndex"]) { n in
                let r = ContractRequest(
                    installationID: installationID, employeeID: employee.id, idempotencyKey: nil, requestHash: "h", input: #"{"name":"x"}"#,
                    personalNumberSealed: "sealed", name: "Employment contract", send: true, workspaceID: 3, templateID: 4,
                    senderEmail: "admin@example.com", createdBy: "admin")
                r.batchID = batchID
                r.batchIndex = n
                r.batchReleasedAt = Date(timeIntervalSince1970: 1_790_000_002.5)
                r.createStartedAt = Date(timeIntervalSince1970: 1_790_000_003)
                r.oneflowContractID = 55
                r.failure = "why"
                return r
            }
            _ = try await pair(on: db) { _ in ContractRequestEvent(requestID: requests.inserted.id!, state: .queued, note: "Row 1") }
            #expect(employee.$id.exists && employeeByFluent.$id.exists)
        }
    }

    /// Writes `make(0)` with `[M].insert` and `make(1)` with Fluent's `create`, reads both back
    /// through Fluent and compares every field but the id, the timestamps and `differing`
    /// (unique columns); on SQLite also each column's storage class (`typeof`), which Fluent's
    /// reading would paper over.
    private func pair<M: SQLInsertable>(on db: any Database, differing: Set<String> = [], _ make: (Int) -> M) async throws -> (
        inserted: M, created: M
    ) {
        let inserted = make(0)
        let created = make(1)
        #expect(inserted.insertValues.count == M.insertColumns.count, "\(M.schema)")
        let before = Date()
        try await [inserted].insert(on: db, now: Date())
        try await created.create(on: db)
        let readInserted = try #require(try await M.find(inserted.id, on: db), "\(M.schema)")
        let readCreated = try #require(try await M.find(created.id, on: db), "\(M.schema)")
        let skipped = differing.union(["id", "createdAt", "updatedAt"])
        let a = try fields(readInserted).filter { !skipped.contains($0.key) }
        let b = try fields(readCreated).filter { !skipped.contains($0.key) }
        #expect(a == b, "\(M.schema)")
        #expect(a.count + skipped.count >= M.insertColumns.count, "\(M.schema): \(a.keys.sorted())")
        for column in M.insertColumns where ["created_at", "updated_at"].contains(column) {
            let stamp = try #require(
                try await (db as! any SQLDatabase).select().column(SQLIdentifier(column)).from(M.schema)
                    .where(SQLIdentifier("id"), .equal, SQLBind(inserted.id)).first()?.decode(column: column, as: Date.self))
            #expect(stamp >= before.addingTimeInterval(-1) && stamp <= Date().addingTimeInterval(1), "\(M.schema).\(column)")
        }
        if let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" {
            for column in M.insertColumns {
                func storage(_ id: M.IDValue?) async throws -> String? {
                    try await sql.raw("SELECT typeof(\(ident: column)) AS t FROM \(ident: M.schema) WHERE id = \(bind: id)").first()?.decode(
                        column: "t", as: String.self)
                }
                #expect(try await storage(inserted.id) == (try await storage(created.id)), "\(M.schema).\(column)")
            }
        }
        return (inserted, created)
    }

    /// A model's fields as Fluent encodes them (JSON), by key.
    private func fields(_ model: some Model) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(model)) as? [String: Any] ?? [:]
        return object.mapValues { "\($0)" }
    }
}

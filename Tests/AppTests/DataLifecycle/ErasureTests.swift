import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import App

/// `DELETE /api/v1/employees/{id}` and what it leaves: nothing personal, a tombstone per
/// contract that keeps late notifications from bringing the person back.
@Suite("Erasing an employee")
struct ErasureTests {
    /// Values no other row of a test database holds, so a search for them finds only this person.
    static let person = (name: "Zelda Quist-Erasmus", email: "zelda.quist@example.org", phone: "+46709998877", personalNumber: "19851231-9876")

    /// Given: the person as a new hire, sent from the HR system, signed in Oneflow, with its
    /// PDF, the request's history and notifications waiting for the HR system.
    static func signedNewHire(_ r: RequestFixture) async throws -> (employee: UUID, contract: Int) {
        let posted = try await r.post([
            "person": [
                "name": person.name, "email": person.email, "phone": person.phone, "personal_number": person.personalNumber, "title": "Archivist",
            ],
            "fields": ["start_date": "2027-03-01", "salary": 52000, "department": "Records"], "send": true,
        ])
        #expect(posted.status == 202, "\(posted.body)")
        await r.f.drain()
        let request = try await r.request(try r.json(posted).id)
        let contract = try #require(request.oneflow_contract_id)
        try await r.f.act("sign", contract)
        // Under load the sandbox's sign notification can come after settle's quiet moment.
        #expect(
            try await r.f.settle(within: 20) {
                try await Document.query(on: r.f.db).join(Employee.self, on: \Document.$employee.$id == \Employee.$id)
                    .filter(Employee.self, \.$email == person.email).count() == 1
            })
        let employee = try #require(try await Employee.query(on: r.f.db).filter(\.$email == person.email).first())
        return (try employee.requireID(), contract)
    }

    static let notifying = ["NOTIFY_ENDPOINT": "https://hr.example/notify"]

    @Test("the API erases the employee and every trace: contracts, history, PDFs, requests, notifications, webhook payloads")
    func erase() async throws {
        try await withRequestFixture(Self.notifying) { r in
            let (employeeID, contractID) = try await Self.signedNewHire(r)
            let db = r.f.db
            #expect(try await OutboundNotification.query(on: db).filter(\.$orderingKey == employeeID.uuidString).count() > 0)

            // When
            let erased = try await r.send(.DELETE, "/api/v1/employees/\(employeeID)")

            // Then
            #expect(erased.status == 200, "\(erased.body)")
            let summary = try JSONDecoder().decode(PersonalDataAPIController.Erased.self, from: Data(erased.body.utf8)).erased
            #expect(summary.employees == 1 && summary.contracts == 1 && summary.documents == 1 && summary.contractRequests == 1)
            #expect(summary.notifications > 0 && summary.webhookPayloads > 0)
            #expect(try await r.send(.GET, "/api/v1/employees/\(employeeID)").status == 404)
            #expect(try await Employee.query(on: db).count() == 0)
            #expect(try await EmploymentContract.query(on: db).count() == 0)
            #expect(try await ContractHistory.query(on: db).count() == 0)
            #expect(try await Document.query(on: db).count() == 0)
            #expect(try await DocumentContent.query(on: db).count() == 0)
            #expect(try await ContractRequest.query(on: db).count() == 0)
            #expect(try await ContractRequestEvent.query(on: db).count() == 0)
            let left = try await OutboundNotification.query(on: db).all()
            #expect(left.map { "\($0.type).\($0.reason)" } == ["employee.erased"])
            #expect(left.first?.body.contains(Self.person.name) == false)
            #expect(left.first?.body.contains(employeeID.uuidString) == true)
            #expect(try await WebhookDelivery.query(on: db).all().allSatisfy { $0.payload.isEmpty })
            #expect(try await ErasedContract.query(on: db).all().map(\.oneflowContractID) == [contractID])
            let audit = try #require(try await AuditEvent.query(on: db).filter(\.$action == "employee.erased").first())
            #expect(audit.subject == employeeID.uuidString)
            #expect(!audit.detail.contains(Self.person.name))
            #expect(try await r.send(.DELETE, "/api/v1/employees/\(employeeID)").status == 404)
        }
    }

    @Test("a later notification of an erased contract is ignored as erased; a new contract for the same person makes a new record")
    func tombstone() async throws {
        try await withRequestFixture(Self.notifying) { r in
            let (employeeID, contractID) = try await Self.signedNewHire(r)
            #expect(try await r.send(.DELETE, "/api/v1/employees/\(employeeID)").status == 200)

            // When: Oneflow tells of the old contract again (a data field changed) …
            _ = try await r.f.post(try r.f.notification(contractID: contractID, events: ["data_field:update"]))
            await r.f.drain()

            // Then: it is recorded, and the person does not come back.
            let last = try #require(try await r.f.deliveries().last)
            #expect(last.status == .ignored)
            #expect(last.outcomeReason == SyncDecision.erasedReason)
            #expect(try await Employee.query(on: r.f.db).count() == 0)

            // When: a new contract for the same person is signed
            let again = try await r.f.newContract(name: Self.person.name, email: Self.person.email)
            try await r.f.act("publish", again)
            try await r.f.act("sign", again)
            try await r.f.settle()

            // Then: a new employee
            let employees = try await r.f.employees()
            #expect(employees.count == 1)
            #expect(employees.first?.id != employeeID)
            #expect(employees.first?.email == Self.person.email)
        }
    }

    @Test("an erasure waits for a contract request being created (409); a scoped key reaches its own employees only")
    func refusals() async throws {
        try await withRequestFixture(Self.notifying) { r in
            let (employeeID, _) = try await Self.signedNewHire(r)
            // Given: a second request for them, not created yet (no worker ran).
            let queued = try await r.post(["employee_id": employeeID.uuidString, "fields": ["start_date": "2027-04-01"], "send": false])
            #expect(queued.status == 202, "\(queued.body)")

            let refused = try await r.send(.DELETE, "/api/v1/employees/\(employeeID)")
            #expect(refused.status == 409, "\(refused.body)")
            #expect(try await Employee.query(on: r.f.db).count() == 1)

            // Another installation's key: as if absent.
            let other = try await SyncFixture.connect(r.f.r, name: "Other AB")
            let otherKey = try await ScopedAPIKeyTests().key(other, for: other.installation)
            #expect(try await r.send(.DELETE, "/api/v1/employees/\(employeeID)", key: otherKey).status == 404)

            await r.f.drain()
            #expect(try await r.send(.DELETE, "/api/v1/employees/\(employeeID)").status == 200)
        }
    }

    @Test("the admin's employee page names what erasing removes, downloads the export, and erases after the confirmation")
    func admin() async throws {
        try await withRequestFixture(Self.notifying) { r in
            let (employeeID, _) = try await Self.signedNewHire(r)
            let browser = try await AdminTests().signIn(r.f)
            let page = try await browser.get("/admin/employees/\(employeeID)")
            #expect(page.body.contains("1 employee, 1 contract, 1 PDF, 1 contract request"))
            let export = try await browser.get("/admin/employees/\(employeeID)/export")
            #expect(export.status == 200)
            #expect(try JSONDecoder().decode(EmployeeExport.self, from: Data(export.body.utf8)).employee.id == employeeID)

            let withoutToken = try await browser.post("/admin/employees/\(employeeID)/erase", form: [:])
            #expect(withoutToken.status == 403)
            let erased = try await browser.post("/admin/employees/\(employeeID)/erase", form: ["csrf_token": try #require(page.csrfToken)])
            #expect(erased.status == 303)
            #expect(erased.location == "/admin/employees")
            #expect(try await browser.get("/admin/employees").body.contains("Erased: 1 employee"))
            #expect(try await Employee.query(on: r.f.db).count() == 0)
            let audit = try #require(try await AuditEvent.query(on: r.f.db).filter(\.$action == "employee.erased").first())
            #expect(audit.actor.hasPrefix("admin"))
        }
    }

    @Test("a PDF an earlier version stored on disk goes with its employee")
    func legacyFile() async throws {
        try await withRequestFixture(Self.notifying) { r in
            let (employeeID, _) = try await Self.signedNewHire(r)
            let directory = r.f.r.app.services.config.dataDirectory
            try FileManager.default.createDirectory(atPath: directory + "/documents", withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: directory + "/documents/old.pdf", contents: Data("%PDF old".utf8)))
            let document = try #require(try await Document.query(on: r.f.db).filter(\.$employee.$id == employeeID).first())
            document.storagePath = "documents/old.pdf"
            try await document.save(on: r.f.db)

            #expect(try await r.send(.DELETE, "/api/v1/employees/\(employeeID)").status == 200)

            #expect(!FileManager.default.fileExists(atPath: directory + "/documents/old.pdf"))
        }
    }

    @Test("no trace of the person is left in the database: the SQLite file and its log, or a PostgreSQL dump")
    func noTraceOnDisk() async throws {
        let dataDir = NSTemporaryDirectory() + "hrbridge-erasure-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        // On the SQLite pass, a file (the tests' default is in memory); on the PostgreSQL pass, its own database.
        let overrides = Self.notifying.merging(["DATA_DIR": dataDir, "API_KEYS": testAPIKey]) { a, _ in a }
        try await withRunningApp(testsRunOnPostgres ? overrides : overrides.merging(["DATABASE_URL": ""]) { _, b in b }) { app in
            let r = RequestFixture(f: try await SyncFixture.connect(app))
            let (employeeID, _) = try await Self.signedNewHire(r)
            let before = try await Self.databaseText(app.app)
            #expect(before.contains(Self.person.email), "the search must be able to find the person before the erasure")
            #expect(before.contains("erasmus"), "the search's words (lower-cased) are stored too")

            #expect(try await r.send(.DELETE, "/api/v1/employees/\(employeeID)").status == 200)

            let after = try await Self.databaseText(app.app)
            // The values as stored, and the search's words of them (`EmployeeSearch.terms`).
            let words = EmployeeSearch.words(Self.person.name)
            for value in [Self.person.name, Self.person.email, Self.person.phone, Self.person.personalNumber] + words {
                #expect(!after.contains(value), "\(value) is still in the database")
            }
        }
    }

    /// Everything the database holds, as text: the SQLite file and its write-ahead log, or
    /// `pg_dump` of the PostgreSQL database.
    static func databaseText(_ app: Application) async throws -> String {
        switch app.services.config.database {
        case .sqlite(let path):
            let bytes = [path, path + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }.reduce(Data(), +)
            return String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        case .postgres(let url):
            let dump = try await Program(
                executable: try pgDump(), arguments: ["--data-only", "--dbname=" + url.replacingOccurrences(of: "?sslmode=disable", with: "")]
            ).run()
            #expect(dump.status == 0)
            return String(decoding: dump.output, as: UTF8.self)
        case .sqliteInMemory:
            Issue.record("an in-memory database has no file to search")
            return ""
        }
    }

    /// `pg_dump` from the PATH or the Debian packages' directory.
    static func pgDump() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var candidates = path.split(separator: ":").map { "\($0)/pg_dump" }
        let debian = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += debian.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "pg_dump not found")
    }
}

import ConsoleKit
import Fluent
import Foundation
import Testing

@testable import App

/// Customers kept apart in the HR API (`APIScope`): an installation's key reads that
/// installation only; an operator key (`api.keys`) reads all and may narrow to one.
@Suite("Scoped API keys")
struct ScopedAPIKeyTests {
    /// Two installations whose employees share an employee number and an email: A's from a
    /// signed contract through the sandbox (with its PDF), B's written directly.
    struct TwoCustomers {
        var a: Installation
        var b: Installation
        var employeeA: UUID
        var employeeB: UUID
        var documentA: UUID
        var contractA: Int
        var contractB: Int
    }

    func twoCustomers(_ f: SyncFixture) async throws -> TwoCustomers {
        let contractA = try await f.signedContract()
        _ = try await f.post(try f.notification(contractID: contractA, events: ["contract:sign"]))
        await f.drain()
        let employeeA = try #require(try await f.employees().first)
        let documentA = try #require(try await Document.query(on: f.db).first())

        let account = try await f.r.newAccount("Beta Oy")
        let b = try await SetupService(services: f.r.app.services, db: f.db, logger: f.r.app.logger).connect(token: account.token)
        let employeeB = Employee(installationID: try b.requireID())
        employeeB.employeeNumber = employeeA.employeeNumber
        employeeB.email = employeeA.email
        employeeB.name = "Other Person"
        try await employeeB.create(on: f.db)
        let contractB = 9_000_001
        let contract = EmploymentContract(installationID: try b.requireID(), oneflowContractID: contractB, status: "pending")
        contract.$employee.id = try employeeB.requireID()
        try await contract.create(on: f.db)
        return TwoCustomers(
            a: f.installation, b: b, employeeA: try employeeA.requireID(), employeeB: try employeeB.requireID(), documentA: try documentA.requireID(),
            contractA: contractA, contractB: contractB)
    }

    func key(_ f: SyncFixture, for installation: Installation, name: String = "payroll") async throws -> String {
        try await APIKeys(db: f.db, writer: f.r.app.services.storage.writer(on: f.db), clock: f.r.app.services.clock)
            .create(for: installation, name: name).secret
    }

    func get(_ f: SyncFixture, _ path: String, key: String) async throws -> Browser.Page {
        try await f.r.browser().send(.GET, path, headers: ["authorization": "Bearer \(key)"])
    }

    func decode<T: Decodable>(_ type: T.Type, _ page: Browser.Page) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(page.body.utf8))
    }

    @Test("each installation's key reads its own employees, contracts and documents; every other installation's id is 404 on every route")
    func keptApart() async throws {
        try await withSyncFixture { f in
            // Given two customers with look-alike employees, and a key for each
            let c = try await twoCustomers(f)
            let keyA = try await key(f, for: c.a)
            let keyB = try await key(f, for: c.b)

            // Then each key lists only its own employee, named with its installation and account
            let listA = try decode(HRRecordsJSON.EmployeeList.self, try await get(f, "/api/v1/employees", key: keyA))
            let listB = try decode(HRRecordsJSON.EmployeeList.self, try await get(f, "/api/v1/employees", key: keyB))
            #expect(listA.data.map(\.id) == [c.employeeA])
            #expect(listB.data.map(\.id) == [c.employeeB])
            #expect(listA.data.first?.installation?.oneflow_account_id == c.a.oneflowAccountID)
            #expect(listB.data.first?.installation?.oneflow_account_name == "Beta Oy")

            // And B's key finds nothing of A's, on every route
            for path in [
                "/api/v1/employees/\(c.employeeA)", "/api/v1/employees/\(c.employeeA)/documents/\(c.documentA)", "/api/v1/contracts/\(c.contractA)",
                "/api/v1/employees?installation_id=\(try c.a.requireID())", "/api/v1/installations?installation_id=\(try c.a.requireID())",
            ] {
                #expect(try await get(f, path, key: keyB).status == 404, "\(path)")
            }
            #expect(try await get(f, "/api/v1/contracts/\(c.contractB)", key: keyA).status == 404)
            #expect(try await get(f, "/api/v1/employees/\(c.employeeB)", key: keyA).status == 404)

            // And its own, with the installation named
            let contract = try decode(HRRecordsJSON.Contract.self, try await get(f, "/api/v1/contracts/\(c.contractA)", key: keyA))
            #expect(contract.installation_id == c.a.id && contract.installation?.id == c.a.id)
            #expect(try await get(f, "/api/v1/employees/\(c.employeeA)/documents/\(c.documentA)", key: keyA).status == 200)
            let mine = try decode(HRRecordsJSON.InstallationList.self, try await get(f, "/api/v1/installations", key: keyB))
            #expect(mine.data.map(\.id) == [c.b.id] && mine.data.first?.status == "active")
        }
    }

    @Test("an operator key reads every installation, and one with installation_id")
    func operatorKey() async throws {
        try await withSyncFixture { f in
            let c = try await twoCustomers(f)
            let all = try decode(HRRecordsJSON.EmployeeList.self, try await get(f, "/api/v1/employees", key: testAPIKey))
            #expect(Set(all.data.map(\.id)) == [c.employeeA, c.employeeB])
            let onlyB = try decode(
                HRRecordsJSON.EmployeeList.self, try await get(f, "/api/v1/employees?installation_id=\(try c.b.requireID())", key: testAPIKey))
            #expect(onlyB.data.map(\.id) == [c.employeeB])
            let installations = try decode(HRRecordsJSON.InstallationList.self, try await get(f, "/api/v1/installations", key: testAPIKey))
            #expect(Set(installations.data.map(\.id)) == [c.a.id, c.b.id])
            #expect(try await get(f, "/api/v1/contracts/\(c.contractB)?installation_id=\(try c.b.requireID())", key: testAPIKey).status == 200)
            #expect(try await get(f, "/api/v1/contracts/\(c.contractB)?installation_id=\(try c.a.requireID())", key: testAPIKey).status == 404)
            #expect(try await get(f, "/api/v1/employees?installation_id=not-a-uuid", key: testAPIKey).status == 400)
        }
    }

    @Test("a revoked key, an unknown key and a key of a disconnected installation are 401; only the key's hash is stored; use is noted")
    func refusedKeys() async throws {
        try await withSyncFixture { f in
            // Given a key that works, and notes its use
            let secret = try await key(f, for: f.installation)
            #expect(secret.hasPrefix("hrb_") && secret.count >= 32)
            #expect(try await get(f, "/api/v1/employees", key: secret).status == 200)
            let stored = try #require(try await APIKey.query(on: f.db).first())
            #expect(stored.keyHash == APIKeys.hash(secret) && stored.keyHash != secret && !secret.hasPrefix(stored.keyHash))
            #expect(stored.lastUsedAt != nil)

            // When it is revoked, or unknown, or its installation disconnected, then 401
            let keys = APIKeys(db: f.db, writer: f.r.app.services.storage.writer(on: f.db), clock: f.r.app.services.clock)
            _ = try await keys.revoke(try stored.requireID(), of: try f.installation.requireID())
            #expect(try await get(f, "/api/v1/employees", key: secret).status == 401)
            #expect(try await get(f, "/api/v1/employees", key: "hrb_" + String(repeating: "x", count: 43)).status == 401)
            let other = try await key(f, for: f.installation, name: "second")
            f.installation.status = .disconnected
            try await f.installation.save(on: f.db)
            #expect(try await get(f, "/api/v1/employees", key: other).status == 401)
            // And a disconnected installation gets no new key; a key needs a name
            await #expect(throws: APIKeys.Failure.disconnected) { _ = try await keys.create(for: f.installation, name: "third") }
        }
    }

    @Test("a key needs a name of 1 to 100 characters on one line")
    func names() async throws {
        try await withSyncFixture { f in
            let keys = APIKeys(db: f.db, writer: f.r.app.services.storage.writer(on: f.db), clock: f.r.app.services.clock)
            for bad in ["", "   ", String(repeating: "n", count: 101), "two\nlines"] {
                await #expect(throws: APIKeys.Failure.invalidName) { _ = try await keys.create(for: f.installation, name: bad) }
            }
            let made = try await keys.create(for: f.installation, name: "  payroll  ")
            #expect(made.key.name == "payroll")
        }
    }

    @Test("the admin makes a key on the installation's page, sees it once, and revokes it")
    func adminPage() async throws {
        try await withSyncFixture { f in
            let admin = try await AdminTests().signIn(f)
            let id = try f.installation.requireID()
            let page = try await admin.get("/admin/installations/\(id)")
            #expect(page.status == 200 && page.body.contains("API keys") && page.body.contains("No keys yet"))

            // When the admin makes a key
            let made = try await admin.post(
                "/admin/installations/\(id)/api-keys", form: ["name": "payroll", "csrf_token": try #require(page.csrfToken)])
            #expect(made.status == 200)
            let secret = try #require(made.body.firstMatch(of: /hrb_[A-Za-z0-9_-]{43}/).map { String($0.output) })
            // Then it works, and the page shows it only this once
            #expect(try await get(f, "/api/v1/employees", key: secret).status == 200)
            let again = try await admin.get("/admin/installations/\(id)")
            #expect(!again.body.contains(secret) && again.body.contains(String(secret.prefix(12))) && again.body.contains("payroll"))
            // A form without its CSRF token, or without a name, makes nothing
            #expect(try await admin.post("/admin/installations/\(id)/api-keys", form: ["name": "x"]).status == 403)
            #expect(
                try await admin.post("/admin/installations/\(id)/api-keys", form: ["name": "", "csrf_token": try #require(again.csrfToken)]).status
                    == 422)

            // When the admin revokes it, then it is refused at once
            let key = try #require(try await APIKey.query(on: f.db).first())
            let revoked = try await admin.post(
                "/admin/installations/\(id)/api-keys/\(try key.requireID())/revoke", form: ["csrf_token": try #require(again.csrfToken)])
            #expect(revoked.status == 303)
            #expect(try await admin.follow(revoked).body.contains("is revoked"))
            #expect(try await get(f, "/api/v1/employees", key: secret).status == 401)
            // And the installations list counts live keys
            #expect(try await admin.get("/admin/installations").body.contains("0 live"))
        }
    }

    @Test("hrbridge api-key create, list and revoke")
    func command() async throws {
        try await withSyncFixture { f in
            let id = try f.installation.requireID().uuidString
            func run(_ arguments: [String]) async throws {
                var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["hrbridge"] + arguments))
                context.application = f.r.app
                try await APIKeyCommand().run(using: &context)
            }
            try await run(["create", "--installation", id, "--name", "deploy script"])
            let key = try #require(try await APIKey.query(on: f.db).first())
            #expect(key.name == "deploy script" && key.revokedAt == nil)
            try await run(["list", "--installation", String(f.installation.oneflowAccountID)])
            try await run(["revoke", "--installation", id, "--key", try key.requireID().uuidString])
            #expect(try await APIKey.find(key.id, on: f.db)?.revokedAt != nil)
            await #expect(throws: (any Error).self) { try await run(["create", "--installation", id]) }
        }
    }

    @Test("the admin's employee list names each employee's account and filters by installation")
    func adminEmployeesByInstallation() async throws {
        try await withSyncFixture { f in
            let c = try await twoCustomers(f)
            let admin = try await AdminTests().signIn(f)
            let all = try await admin.get("/admin/employees")
            #expect(all.body.contains(c.employeeA.uuidString) && all.body.contains(c.employeeB.uuidString) && all.body.contains("Beta Oy"))
            let onlyB = try await admin.get("/admin/employees?installation=\(try c.b.requireID())")
            #expect(onlyB.body.contains(c.employeeB.uuidString) && !onlyB.body.contains(c.employeeA.uuidString))
        }
    }
}

import Fluent
import Foundation
import Testing

@testable import App

/// The admin's employee search by words (`EmployeeSearch`): what finds whom, and that the
/// words follow the employee through sync, new hires, erasure and the migration.
@Suite("Employee search")
struct EmployeeSearchTests {
    /// Given: Jane Doe (10023, jane@example.com) and John Smith (10077, j.smith@corp.example),
    /// each signed through the sandbox and synced.
    func twoEmployees(_ f: SyncFixture) async throws {
        _ = try await f.signedContract()
        let smith = try await f.newContract(
            name: "John Smith", email: "j.smith@corp.example", values: ["employee_number": "10077", "start_date": "2021-03-01"])
        try await f.act("publish", smith)
        try await f.act("sign", smith)
        try await f.settle()
    }

    func found(
        _ f: SyncFixture, _ text: String, selective: Int = EmployeeSearch.selective, countedUpTo: Int = EmployeeSearch.countedUpTo
    ) async throws -> Set<String> {
        let query = Employee.query(on: f.db)
        try await EmployeeSearch.narrow(query, to: text, on: f.db, selective: selective, countedUpTo: countedUpTo)
        return Set(try await query.all().compactMap(\.name))
    }

    @Test("each word finds the start of a word of the name, email or employee number, case aside; every word must")
    func words() async throws {
        try await withSyncFixture { f in
            try await twoEmployees(f)
            // When / then: every plan agrees — a rare word's employees read; several words' intersected;
            // the list tested in order.
            for (selective, counted) in [(EmployeeSearch.selective, EmployeeSearch.countedUpTo), (1, EmployeeSearch.countedUpTo), (1, 1)] {
                let found = { (text: String) in try await self.found(f, text, selective: selective, countedUpTo: counted) }
                #expect(try await found("JANE") == ["Jane Doe"])
                #expect(try await found("jan do") == ["Jane Doe"])
                #expect(try await found("smith@corp") == ["John Smith"])
                #expect(try await found("1007") == ["John Smith"])
                #expect(try await found("example") == ["Jane Doe", "John Smith"])
                #expect(try await found("j") == ["Jane Doe", "John Smith"])
                #expect(try await found("ane").isEmpty, "not inside a word")
                #expect(try await found("jane smith").isEmpty, "every word must match")
                #expect(try await found("nobody").isEmpty)
            }
            #expect(try await found(f, " ,. ") == ["Jane Doe", "John Smith"], "no words: no narrowing")
        }
    }

    @Test("the admin page searches by words, within the chosen installation")
    func page() async throws {
        try await withSyncFixture { f in
            try await twoEmployees(f)
            let admin = try await AdminTests().signIn(f)
            let page = try await admin.get("/admin/employees?q=doe%20jan")
            #expect(page.body.contains("Jane Doe") && !page.body.contains("John Smith"))
            #expect(page.body.contains("Each word finds the start of a word"))
            let other = try await SyncFixture.connect(f.r, name: "Other AB")
            let elsewhere = try await admin.get("/admin/employees?q=jane&installation=\(try other.installation.requireID())")
            #expect(!elsewhere.body.contains("Jane Doe"))
            #expect(elsewhere.body.contains("No employees match"))
        }
    }

    @Test("a new name replaces the old words; an erased employee leaves none")
    func follows() async throws {
        try await withSyncFixture { f in
            try await twoEmployees(f)
            // When: Jane's next contract names her Jane Roe (same employee number: the same employee)
            let renamed = try await f.newContract(name: "Jane Roe")
            try await f.act("publish", renamed)
            try await f.act("sign", renamed)
            try await f.settle()
            #expect(try await found(f, "roe") == ["Jane Roe"])
            #expect(try await found(f, "doe").isEmpty)
            // When: she is erased
            let jane = try #require(try await Employee.query(on: f.db).filter(\.$name == "Jane Roe").first())
            _ = try await EmployeeErasure(services: f.r.app.services, db: f.db, logger: f.r.app.logger).erase(jane, by: .commandLine)
            // Then: none of her words are left
            let left = try await f.db.sql().raw("SELECT COUNT(*) AS n FROM employee_search_terms WHERE term IN ('jane', 'roe', 'doe')")
                .first()?.decode(column: "n", as: Int.self)
            #expect(left == 0)
            #expect(try await found(f, "john") == ["John Smith"])
        }
    }

    @Test("a new hire's employee is found as soon as the request makes it")
    func newHire() async throws {
        try await withRequestFixture { r in
            _ = try await ErasureTests.signedNewHire(r)
            let hire = try #require(try await Employee.query(on: r.f.db).first())
            #expect(try await found(r.f, try #require(hire.name)) == [try #require(hire.name)])
        }
    }

    @Test("the migration indexes the employees stored before it")
    func migration() async throws {
        try await withSyncFixture { f in
            try await twoEmployees(f)
            // Given: the table as before this version (reverted), then the migration again
            try await AddEmployeeSearch().revert(on: f.db)
            try await AddEmployeeSearch().prepare(on: f.db)
            #expect(try await found(f, "smith") == ["John Smith"])
            #expect(try await found(f, "10023") == ["Jane Doe"])
        }
    }

    @Test("words: letters and digits, lower-cased and composed, each once; a prefix's range skips the surrogates")
    func tokens() {
        #expect(EmployeeSearch.words("Åsa-Lena O'Brien, asa@x.se ÅSA") == ["åsa", "lena", "o", "brien", "asa", "x", "se"])
        #expect(EmployeeSearch.words("Jose\u{301}") == ["josé"])  // e + combining accent: the composed é
        #expect(EmployeeSearch.prefixRange("ab") == ("ab", "ac"))
        #expect(EmployeeSearch.prefixRange("a\u{D7FF}").upper == "a\u{E000}")
    }
}

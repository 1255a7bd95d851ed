import Fluent
import Foundation
import Testing

@testable import App

/// Lists paged by a cursor (`PageCursor`): every row once, while rows are added between pages.
@Suite("Cursor paging")
struct CursorPagingTests {
    /// Given: `count` employees, several sharing one time (rows of one transaction do).
    func employees(_ f: SyncFixture, _ count: Int, at start: Date) async throws -> [UUID] {
        var ids: [UUID] = []
        for n in 0..<count {
            let employee = Employee(installationID: try f.installation.requireID())
            employee.name = "Person \(n)"
            let time = start.addingTimeInterval(Double(n / 3))  // three at each time
            try await employee.create(on: f.db)
            try await Employee.query(on: f.db).filter(\.$id == employee.requireID()).set(\.$updatedAt, to: time).update()
            ids.append(try employee.requireID())
        }
        return ids
    }

    @Test("the HR API's pages by next_cursor see every employee once while others are added, and count only when asked")
    func api() async throws {
        try await withSyncFixture { f in
            let start = Date().addingTimeInterval(-3600)
            var expected = try await employees(f, 11, at: start)
            var seen: [UUID] = []
            var cursor: String? = nil
            var pages = 0
            repeat {
                let path = "/api/v1/employees?limit=2" + (cursor.map { "&after=\($0)" } ?? "")
                let page = try JSONDecoder().decode(
                    HRRecordsJSON.EmployeeList.self, from: Data(try await HRAPITests().get(f, path).body.utf8))
                // Counted on the first page, as before cursors; not on the cursor's pages.
                #expect((page.count == nil) == (cursor != nil))
                if cursor == nil { #expect(page.next_offset == 2) }
                seen += page.data.map(\.id)
                cursor = page.next_cursor
                pages += 1
                // When: someone is added between pages
                if pages <= 2 { expected += try await employees(f, 1, at: Date()) }
            } while cursor != nil && pages < 20
            #expect(seen == expected, "every employee once, in order of change")
            let counted = try JSONDecoder().decode(
                HRRecordsJSON.EmployeeList.self, from: Data(try await HRAPITests().get(f, "/api/v1/employees?count=true&limit=1").body.utf8))
            #expect(counted.count == expected.count)
        }
    }

    @Test("the admin employees list pages by Older and Newest")
    func admin() async throws {
        try await withSyncFixture { f in
            let ids = try await employees(f, AdminPager.size + 5, at: Date().addingTimeInterval(-3600))
            let browser = try await AdminTests().signIn(f)
            let first = try await browser.get("/admin/employees")
            #expect(!first.body.contains("Newest"))
            let older = try #require(first.body.firstMatch(of: /href="(\/admin\/employees\?before=[^"]+)"/)?.1)
            let second = try await browser.get(String(older))
            #expect(second.body.contains("Newest"))
            #expect(!second.body.contains("Older"))
            let shown = { (body: String) in ids.filter { body.contains($0.uuidString) } }
            #expect(Set(shown(first.body)).isDisjoint(with: shown(second.body)))
            #expect(shown(first.body).count + shown(second.body).count == ids.count)
        }
    }

    @Test("SQLite: a row whose time lies half a microsecond from two is not shown again on the next page")
    func halfMicrosecond() async throws {
        guard !testsRunOnPostgres else { return }  // PostgreSQL keeps whole microseconds
        // Given: a time that rounds to one microsecond counted from 1970 and to the next counted
        // from 2001, as sqlite-nio reads it back
        let reference: Double = 978_307_200
        func apart(_ t: Double) -> Bool {
            let from1970: Double = (t * 1e6).rounded()
            let from2001: Double = ((t - reference) * 1e6).rounded() + reference * 1e6
            return from1970 != from2001
        }
        var found: Double?
        for step in 0..<100_000 where found == nil {
            let t: Double = 1_764_936_535 + Double(step) * 0.000_000_113
            if apart(t) { found = t }
        }
        let t = try #require(found)
        try await withSyncFixture { f in
            let ids = try await employees(f, 3, at: Date(timeIntervalSince1970: t - 10))
            try await f.db.sql().raw("UPDATE employees SET updated_at = \(bind: t - 1) WHERE id = \(bind: ids[0])").run()
            try await f.db.sql().raw("UPDATE employees SET updated_at = \(bind: t) WHERE id = \(bind: ids[1])").run()
            try await f.db.sql().raw("UPDATE employees SET updated_at = \(bind: t + 1) WHERE id = \(bind: ids[2])").run()
            // When: the API's pages of two
            let first = try JSONDecoder().decode(
                HRRecordsJSON.EmployeeList.self, from: Data(try await HRAPITests().get(f, "/api/v1/employees?limit=2&count=false").body.utf8))
            let after = try #require(first.next_cursor)
            let second = try JSONDecoder().decode(
                HRRecordsJSON.EmployeeList.self, from: Data(try await HRAPITests().get(f, "/api/v1/employees?limit=2&after=\(after)").body.utf8))
            // Then: each once
            #expect(first.data.map(\.id) + second.data.map(\.id) == ids)
        }
    }
}

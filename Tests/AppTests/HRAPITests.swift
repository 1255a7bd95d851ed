import Fluent
import Foundation
import Testing

@testable import App

@Suite("HR JSON API")
struct HRAPITests {
    func signedEmployee(_ f: SyncFixture) async throws -> Int {
        let id = try await f.signedContract()
        _ = try await f.post(try f.notification(contractID: id, events: ["contract:sign"]))
        await f.drain()
        return id
    }

    /// A GET with an optional bearer key.
    func get(_ f: SyncFixture, _ path: String, key: String? = testAPIKey) async throws -> Browser.Page {
        try await f.r.browser().send(.GET, path, headers: key.map { ["authorization": "Bearer \($0)"] } ?? [:])
    }

    @Test("the API needs a valid bearer key")
    func auth() async throws {
        try await withSyncFixture { f in
            let missing = try await get(f, "/api/v1/employees", key: nil)
            let wrong = try await get(f, "/api/v1/employees", key: "wrong")
            let right = try await get(f, "/api/v1/employees")
            let spec = try await get(f, "/api/v1/openapi.json", key: nil)
            #expect(missing.status == 401)
            #expect(wrong.status == 401)
            #expect(right.status == 200)
            #expect(spec.status == 200)
        }
    }

    @Test("employees, one employee with contracts, history and documents, the document bytes, a contract by Oneflow id")
    func records() async throws {
        try await withSyncFixture { f in
            let oneflowID = try await signedEmployee(f)
            let list = try JSONDecoder().decode(
                HRRecordsJSON.EmployeeList.self, from: Data(try await get(f, "/api/v1/employees?count=true").body.utf8))
            #expect(list.count == 1)
            let summary = try #require(list.data.first)
            #expect(summary.name == "Jane Doe")
            #expect(summary.employment_status == "ACTIVE")
            #expect(summary.fields["department"] == "Support")
            #expect(summary.contracts == nil)

            let detailPage = try await get(f, "/api/v1/employees/\(summary.id)")
            let detail = try JSONDecoder().decode(HRRecordsJSON.Employee.self, from: Data(detailPage.body.utf8))
            #expect(detail.personal_number == "19900101-1234")
            #expect(detail.contracts?.first?.oneflow_contract_id == oneflowID)
            #expect(detail.contracts?.first?.status == "signed")
            #expect(detail.contracts?.first?.history?.first?.to_status == "signed")
            let document = try #require(detail.documents?.first)
            let bytes = try await get(f, document.url)
            #expect(bytes.status == 200)
            #expect(bytes.body.hasPrefix("%PDF"))
            #expect(bytes.body.utf8.count == document.size)

            let contract = try JSONDecoder().decode(
                HRRecordsJSON.Contract.self, from: Data(try await get(f, "/api/v1/contracts/\(oneflowID)").body.utf8))
            #expect(contract.employee_id == summary.id)
            #expect(try await get(f, "/api/v1/contracts/999999").status == 404)
            #expect(try await get(f, "/api/v1/employees/\(UUID())").status == 404)
        }
    }

    @Test("updated_since and paging")
    func paging() async throws {
        try await withSyncFixture { f in
            _ = try await signedEmployee(f)
            let future = try JSONDecoder().decode(
                HRRecordsJSON.EmployeeList.self,
                from: Data(try await get(f, "/api/v1/employees?updated_since=2999-01-01T00:00:00Z").body.utf8))
            #expect(future.data.isEmpty)
            #expect(future.count == 0)
            let past = try JSONDecoder().decode(
                HRRecordsJSON.EmployeeList.self,
                from: Data(try await get(f, "/api/v1/employees?updated_since=2000-01-01T00:00:00Z&limit=1").body.utf8))
            #expect(past.data.count == 1)
            #expect(past.next_cursor == nil)
            #expect(past.next_offset == nil)
            #expect(try await get(f, "/api/v1/employees?after=not-a-cursor").status == 400)
            #expect(try await get(f, "/api/v1/employees?count=maybe").status == 400)
            #expect(try await get(f, "/api/v1/employees?after=\(PageCursor(time: Date(), id: UUID()).text)&offset=1").status == 400)
            #expect(try await get(f, "/api/v1/employees?updated_since=yesterday").status == 400)
            #expect(try await get(f, "/api/v1/employees?limit=0").status == 400)
        }
    }

    @Test("the OpenAPI document lists every route")
    func openAPI() async throws {
        try await withSyncFixture { f in
            let page = try await get(f, "/api/v1/openapi.json", key: nil)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
            #expect(json["openapi"] as? String == "3.0.3")
            let paths = try #require(json["paths"] as? [String: Any])
            // Every route under /api/v1 the app serves, and no other (parameters compared by place, not name)
            let served = f.r.app.routes.all.map { route in
                "/" + route.path.map { if case .parameter = $0 { "{}" } else { $0.description } }.joined(separator: "/")
            }.filter { $0.hasPrefix("/api/v1/") }
            let documented = paths.keys.map { $0.replacing(#/\{[^}]+\}/#, with: "{}") }
            #expect(Set(documented) == Set(served))
            #expect(documented.contains("/api/v1/connect-links/{}"))
        }
    }
}

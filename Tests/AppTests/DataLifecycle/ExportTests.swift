import Fluent
import Foundation
import Testing
import Vapor

@testable import App

/// `GET /api/v1/employees/{id}/export`: everything stored about one person.
@Suite("Exporting an employee's data")
struct ExportTests {
    @Test("the export holds everything the API shows, each PDF's bytes, the requests with their input, notifications and deliveries")
    func export() async throws {
        try await withRequestFixture(ErasureTests.notifying) { r in
            // Given
            let (employeeID, contractID) = try await ErasureTests.signedNewHire(r)

            // When
            let page = try await r.send(.GET, "/api/v1/employees/\(employeeID)/export")

            // Then
            #expect(page.status == 200, "\(page.body)")
            #expect(page.headers["content-disposition"].first?.contains("attachment") == true)
            let export = try JSONDecoder().decode(EmployeeExport.self, from: Data(page.body.utf8))
            let shown = try JSONDecoder().decode(
                HRRecordsJSON.Employee.self, from: Data(try await r.send(.GET, "/api/v1/employees/\(employeeID)").body.utf8))
            #expect(export.format == EmployeeExport.format)
            #expect(try JSONEncoder.sorted.encode(export.employee) == JSONEncoder.sorted.encode(shown))
            #expect(export.employee.personal_number == ErasureTests.person.personalNumber)

            let listed = try #require(shown.documents?.first)
            let bytes = try await r.send(.GET, listed.url)
            let inline = try #require(export.documents.first)
            #expect(Data(base64Encoded: inline.content_base64) == Data(bytes.body.utf8))
            #expect(inline.sha256 == listed.sha256)

            let request = try #require(export.contract_requests.first)
            #expect(request.request.oneflow_contract_id == contractID)
            #expect(request.request.history?.isEmpty == false)
            let input = String(decoding: try JSONEncoder().encode(try #require(request.input)), as: UTF8.self)
            #expect(input.contains(ErasureTests.person.email))

            #expect(!export.notifications.isEmpty)
            #expect(export.notifications.allSatisfy { $0.body != nil })
            #expect(!export.webhook_deliveries.isEmpty)
            #expect(export.webhook_deliveries.allSatisfy { $0.oneflow_contract_id == contractID && $0.payload != nil })

            let audit = try await AuditEvent.query(on: r.f.db).filter(\.$action == "employee.exported").all()
            #expect(audit.map(\.subject) == [employeeID.uuidString])
            // Another installation's key finds no one.
            let other = try await SyncFixture.connect(r.f.r, name: "Other AB")
            let key = try await ScopedAPIKeyTests().key(other, for: other.installation)
            #expect(try await r.send(.GET, "/api/v1/employees/\(employeeID)/export", key: key).status == 404)
        }
    }
}

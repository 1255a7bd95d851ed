import Fluent
import Foundation
import SQLKit
import Testing

@testable import App

/// Models read from plain SQL rows (`RowDecodable`) are the models Fluent reads.
@Suite("Rows read without Fluent")
struct RowDecodableTests {
    @Test("each model declares exactly Fluent's properties, in Fluent's order")
    func declared() {
        func check<M: RowDecodable>(_: M.Type) {
            let blank = M()
            #expect(
                blank.declaredProperties.map { ObjectIdentifier($0 as AnyObject) } == blank.properties.map { ObjectIdentifier($0 as AnyObject) },
                "\(M.schema)")
        }
        check(Job.self)
        check(Employee.self)
        check(EmploymentContract.self)
    }

    @Test("an employee and a contract read by hand equal Fluent's reading of the same rows", arguments: MigrationTests.databases)
    func sameModels(url: String) async throws {
        try await MigrationTests().withDatabase(url) { app in
            // Given: every column set, so that no field is read as missing by both
            let (installationID, employee, contract) = try await Self.stored(on: app.db)
            let sql = try #require(app.db as? any SQLDatabase)
            // When
            let employeeRow = try #require(try await sql.raw("SELECT * FROM employees").first())
            let contractRow = try #require(try await sql.raw("SELECT * FROM employment_contracts").first())
            // Then
            let employees = (try Employee.decode(employeeRow), try employeeRow.decode(fluentModel: Employee.self))
            let contracts = (try EmploymentContract.decode(contractRow), try contractRow.decode(fluentModel: EmploymentContract.self))
            let employeeJSON = try Self.json(employees.0)
            #expect(employeeJSON == (try Self.json(employees.1)))
            #expect(try Self.json(contracts.0) == (try Self.json(contracts.1)))
            for key in ["employeeNumber", "phone", "personalNumberSealed", "title", "employmentStatus", "updatedAt"] {
                #expect(employeeJSON.contains("\"\(key)\":") && !employeeJSON.contains("\"\(key)\":null"), "\(key) in \(employeeJSON)")
            }
            #expect(employees.0.$id.exists && employees.0.id == employee.id && employees.0.$installation.id == installationID)
            #expect(contracts.0.$id.exists && contracts.0.id == contract.id && contracts.0.$employee.id == employee.id)
            #expect(contracts.0.signedAt == contract.signedAt && contracts.0.contractRequestID == contract.contractRequestID)
        }
    }

    @Test(
        "the worker's write set finds an employee by link, by employee number and by email, and no one without them",
        arguments: MigrationTests.databases)
    func writeSetMatches(url: String) async throws {
        try await MigrationTests().withDatabase(url) { app in
            // Given
            let (installationID, employee, contract) = try await Self.stored(on: app.db)
            let other = Employee(installationID: installationID)
            other.employeeNumber = "20001"
            other.email = "other@example.com"
            try await other.create(on: app.db)
            func mapped(_ id: Int, number: String? = nil, email: String? = nil) -> MappedContract {
                MappedContract(
                    oneflowContractID: id, status: "pending", employee: .init(employeeNumber: number, email: email, fields: [:], customFields: [:]))
            }
            // When
            let linked = try await HRWriteSet.load(installationID: installationID, for: [mapped(contract.oneflowContractID)], on: app.db)
            let byNumber = try await HRWriteSet.load(installationID: installationID, for: [mapped(1, number: "20001")], on: app.db)
            let byEmail = try await HRWriteSet.load(installationID: installationID, for: [mapped(2, email: "zoe@example.com")], on: app.db)
            let nobody = try await HRWriteSet.load(installationID: installationID, for: [mapped(3)], on: app.db)
            let none = try await HRWriteSet.load(installationID: installationID, for: [], on: app.db)
            // Then
            #expect(linked.contracts[contract.oneflowContractID]?.id == contract.id)
            #expect(linked.employee(for: mapped(0).employee, linked: employee.id).employee.id == employee.id)
            #expect(byNumber.contracts.isEmpty)
            #expect(byNumber.employee(for: mapped(1, number: "20001").employee, linked: nil).employee.id == other.id)
            #expect(byEmail.employee(for: mapped(2, email: "zoe@example.com").employee, linked: nil).employee.id == employee.id)
            #expect(nobody.employee(for: mapped(3).employee, linked: nil).new)
            #expect(none.contracts.isEmpty)
        }
    }

    /// An installation, an employee and their contract, created through Fluent, every column set.
    static func stored(on db: any Database) async throws -> (UUID, Employee, EmploymentContract) {
        let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
        try await installation.create(on: db)
        let installationID = try installation.requireID()
        let employee = Employee(installationID: installationID)
        employee.employeeNumber = "10023"
        employee.name = "Zoë Ågren"
        employee.email = "zoe@example.com"
        employee.phone = "+46701234567"
        employee.personalNumberSealed = "sealed"
        employee.title = "Engineer"
        employee.fields = #"{"department":"Support"}"#
        employee.customFields = #"{"x":"y"}"#
        employee.employmentStatus = "ACTIVE"
        try await employee.create(on: db)
        let contract = EmploymentContract(installationID: installationID, oneflowContractID: 100, status: "signed")
        contract.$employee.id = employee.id
        contract.templateTypeID = 42
        contract.name = "Employment"
        contract.lifecycleState = "active"
        contract.startDate = "2026-01-01"
        contract.endDate = "2027-01-01"
        contract.stateUpdatedAt = Date(timeIntervalSince1970: 1_790_000_000.25)
        contract.signedAt = Date(timeIntervalSince1970: 1_790_000_001)
        try await contract.create(on: db)
        return (installationID, employee, contract)
    }

    static func json(_ model: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(model), as: UTF8.self)
    }
}

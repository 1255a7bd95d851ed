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
        "the worker's write set finds its installation's employees by link, employee number or email, at once, and no one else's",
        arguments: MigrationTests.databases)
    func writeSetMatches(url: String) async throws {
        try await MigrationTests().withDatabase(url) { app in
            // Given Zoë (linked to contract 100), another employee of hers, and in a second
            // installation employees with the same employee numbers and email
            let (installationID, zoe, contract) = try await Self.stored(on: app.db)
            let other = Employee(installationID: installationID)
            other.employeeNumber = "20001"
            try await other.create(on: app.db)
            let beta = Installation(oneflowAccountID: 2, accountName: "Beta", webhookKey: "k2")
            try await beta.create(on: app.db)
            for (number, email) in [("20001", nil), ("30001", "zoe@example.com")] {
                let stranger = Employee(installationID: try beta.requireID())
                stranger.employeeNumber = number
                stranger.email = email
                try await stranger.create(on: app.db)
            }
            func person(number: String? = nil, email: String? = nil) -> MappedContract.Employee {
                .init(employeeNumber: number, email: email, fields: [:], customFields: [:])
            }
            func mapped(_ id: Int, _ employee: MappedContract.Employee) -> MappedContract {
                MappedContract(oneflowContractID: id, status: "pending", employee: employee)
            }
            // When one load asks by all three at once
            let set = try await HRWriteSet.load(
                installationID: installationID,
                for: [
                    mapped(contract.oneflowContractID, person()), mapped(1, person(number: "20001")),
                    mapped(2, person(email: "zoe@example.com")),
                ],
                on: app.db)
            // Then
            #expect(set.contracts.keys.sorted() == [contract.oneflowContractID])
            #expect(set.employee(for: person(), linked: zoe.id).employee.id == zoe.id)
            #expect(set.employee(for: person(number: "20001"), linked: nil).employee.id == other.id)
            #expect(set.employee(for: person(email: "zoe@example.com"), linked: nil).employee.id == zoe.id)
            // and the other installation's employees were not loaded
            #expect(set.employee(for: person(number: "30001"), linked: nil).new)
            let empty = try await HRWriteSet.load(installationID: installationID, for: [], on: app.db)
            #expect(empty.contracts.isEmpty && empty.employee(for: person(number: "20001"), linked: nil).new)
        }
    }

    /// An installation, an employee and their contract, created through Fluent, every column set.
    static func stored(on db: any Database) async throws -> (UUID, Employee, EmploymentContract) {
        let installation = Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k")
        try await installation.create(on: db)
        let installationID = try installation.requireID()
        let employee = Employee.everyColumn(installationID: installationID)
        try await employee.create(on: db)
        let contract = EmploymentContract.everyColumn(installationID: installationID, oneflowContractID: 100, employeeID: employee.id)
        try await contract.create(on: db)
        return (installationID, employee, contract)
    }

    static func json(_ model: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(model), as: UTF8.self)
    }
}

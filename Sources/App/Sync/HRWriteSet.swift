import Fluent
import Foundation
import SQLKit

/// The HR rows one transaction works on for several contracts of one installation: read in
/// two queries, changed in memory by `HRRecordWriter`, written back with one multi-row
/// INSERT per table. A batch of contracts one by one cost some eight statements each, and
/// on SQLite every statement waits its turn for the database's one writer (bench/RESULTS.md).
///
/// Only for use inside the transaction that holds the installation's lock
/// (`InstallationLock`), by one task: nothing else can change these rows meanwhile.
final class HRWriteSet {
    let installationID: UUID
    /// The installation's contracts among those being written, by Oneflow id (found and new).
    private(set) var contracts: [Int: EmploymentContract]
    /// Employees that can match them: linked to one of them, or with one of their employee
    /// numbers or emails (found and new).
    private var employees: [Employee]
    private var created: Set<ObjectIdentifier> = []
    private var newEmployees: [Employee] = [], newContracts: [EmploymentContract] = []
    private var changedEmployees: [Employee] = [], changedContracts: [EmploymentContract] = []
    private var history: [ContractHistory] = []
    /// Contracts of contract requests whose status changed: their requests follow (`ContractRequestFollower`).
    var requestContracts: [EmploymentContract] = []
    /// Outbound notifications, encoded when flushed (then the rows have their timestamps).
    private var notifications: [(type: Outbox.RecordType, reason: Outbox.Reason, record: any Model)] = []

    private init(installationID: UUID, contracts: [Int: EmploymentContract], employees: [Employee]) {
        self.installationID = installationID
        self.contracts = contracts
        self.employees = employees
    }

    /// Reads the rows with plain SQL (`RowDecodable`): this runs inside write transactions
    /// (the worker's sync, a contract request's record), with SQLite's write lock held, where
    /// Fluent's query builder was a third of the write thread's Swift time.
    static func load(installationID: UUID, for mapped: [MappedContract], on db: any Database) async throws -> HRWriteSet {
        guard !mapped.isEmpty else { return HRWriteSet(installationID: installationID, contracts: [:], employees: []) }
        let sql = try db.sql()
        let found = try await sql.raw(
            """
            SELECT * FROM employment_contracts
            WHERE installation_id = \(bind: installationID) AND oneflow_contract_id IN (\(binds: mapped.map(\.oneflowContractID)))
            """
        ).all().map(EmploymentContract.decode)
        // An employee linked to one of them, or with one of their employee numbers or emails.
        let matches: [(column: String, values: [any Encodable & Sendable])] = [
            ("id", found.compactMap(\.$employee.id)), ("employee_number", mapped.compactMap(\.employee.employeeNumber)),
            ("email", mapped.compactMap(\.employee.email)),
        ].filter { !$0.values.isEmpty }
        let employees =
            matches.isEmpty
            ? []
            : try await sql.raw(
                """
                SELECT * FROM employees WHERE installation_id = \(bind: installationID)
                AND (\(SQLList(matches.map { SQLQueryString("\(ident: $0.column) IN (\(binds: $0.values))") }, separator: SQLRaw(" OR "))))
                """
            ).all().map(Employee.decode)
        return HRWriteSet(
            installationID: installationID, contracts: Dictionary(found.map { ($0.oneflowContractID, $0) }, uniquingKeysWith: { a, _ in a }),
            employees: employees)
    }

    /// The contract's employee: the one it is linked to, else the installation's employee
    /// with that employee number, else with that email, else a new one (`new`; an employee
    /// an earlier contract of the set created is found like any other).
    func employee(for person: MappedContract.Employee, linked: UUID?) -> (employee: Employee, new: Bool) {
        if let linked, let employee = employees.first(where: { $0.id == linked }) { return (employee, false) }
        if let number = person.employeeNumber, let match = employees.first(where: { $0.employeeNumber == number }) { return (match, false) }
        if let email = person.email, let match = employees.first(where: { $0.email == email }) { return (match, false) }
        let employee = Employee(installationID: installationID)
        employees.append(employee)
        newEmployees.append(employee)
        created.insert(ObjectIdentifier(employee))
        return (employee, true)
    }

    func newContract(_ mapped: MappedContract) -> EmploymentContract {
        let contract = EmploymentContract(installationID: installationID, oneflowContractID: mapped.oneflowContractID, status: mapped.status)
        contracts[mapped.oneflowContractID] = contract
        newContracts.append(contract)
        created.insert(ObjectIdentifier(contract))
        return contract
    }

    func isNew(_ record: some Model) -> Bool { created.contains(ObjectIdentifier(record)) }

    func changed(_ employee: Employee) {
        guard !isNew(employee), !changedEmployees.contains(where: { $0 === employee }) else { return }
        changedEmployees.append(employee)
    }

    func changed(_ contract: EmploymentContract) {
        guard !isNew(contract), !changedContracts.contains(where: { $0 === contract }) else { return }
        changedContracts.append(contract)
    }

    func record(_ entry: ContractHistory) { history.append(entry) }

    func notify(_ type: Outbox.RecordType, _ reason: Outbox.Reason, _ record: any Model) { notifications.append((type, reason, record)) }

    /// Writes everything: new rows with one INSERT per table (`SQLInsertable`), changed ones one UPDATE each,
    /// the employees' search terms,
    /// then the outbound notifications one by one, in order (`NotificationSender` sends
    /// them in insertion order).
    func flush(on db: any Database, outbox: Outbox?, now: Date) async throws {
        try await newEmployees.insert(on: db, now: now)
        for employee in changedEmployees { try await employee.update(on: db) }
        // Every changed employee's words, not only a new name's: a few rows in the same
        // transaction, and they mend an employee an older version wrote without them.
        try await EmployeeSearch.index(newEmployees + changedEmployees, on: db)
        try await newContracts.insert(on: db, now: now)
        for contract in changedContracts { try await contract.update(on: db) }
        try await history.insert(on: db, now: now)
        guard let outbox else { return }
        for (type, reason, record) in notifications {
            switch record {
            case let employee as Employee:
                try await outbox.record(
                    type, reason, data: try HRRecordsJSON.Employee(employee), subjectID: employee.id,
                    employeeID: employee.id, installationID: installationID, on: db, now: now)
            case let contract as EmploymentContract:
                try await outbox.record(
                    type, reason, data: try HRRecordsJSON.Contract(contract), subjectID: contract.id,
                    employeeID: contract.$employee.id, installationID: installationID, on: db, now: now)
            default:
                preconditionFailure("HRWriteSet notifies of employees and contracts only")
            }
        }
    }
}

import Fluent
import Foundation

/// Applies a mapped contract to the HR records, in one transaction: the employee (matched by
/// employee number, then email, within the installation), the employment contract, and a
/// history row listing what changed. Nothing changed → nothing written, so a replayed or
/// duplicated notification makes no second HR change. An older state never overwrites a
/// newer one (`state_updated_time`).
struct HRRecordWriter {
    struct Outcome: Equatable, Sendable {
        enum Kind: String, Sendable { case created, updated, unchanged, stale }
        var kind: Kind
        var contractID: UUID?
        var employeeID: UUID?
        /// The contract as written (or found), so the caller need not read it again.
        var contract: EmploymentContract? = nil

        static func == (a: Outcome, b: Outcome) -> Bool {
            a.kind == b.kind && a.contractID == b.contractID && a.employeeID == b.employeeID
        }
    }

    struct Source: Sendable {
        var name: String
        var deliveryID: UUID?
        var eventTypes: [String]
    }

    let box: SecretBox
    let clock: any AppClock
    /// Set when outbound notifications are on (`notify.endpoint`).
    var outbox: Outbox? = nil
    /// A Oneflow contract's page (`AppConfig.oneflowContractPage`), for contract requests' notifications.
    var contractPage: @Sendable (Int) -> String = { "\($0)" }

    /// Several contracts of one installation, inside a transaction that already holds its
    /// lock (`InstallationLock`): read together, decided one after the other in memory (so a
    /// later one sees what an earlier one changed, e.g. the employee it created), and written
    /// together (`HRWriteSet`). One contract at a time is the case of one.
    func apply(_ contracts: [(MappedContract, Source)], installationID: UUID, locked tx: any Database) async throws -> [Outcome] {
        let set = try await HRWriteSet.load(installationID: installationID, for: contracts.map(\.0), on: tx)
        let outcomes = try contracts.map { mapped, source in try apply(mapped, source: source, in: set) }
        try await set.flush(on: tx, outbox: outbox, now: clock.now)
        try await ContractRequestFollower(outbox: outbox, contractPage: contractPage)
            .follow(set.requestContracts, installationID: installationID, on: tx, now: clock.now)
        return outcomes
    }

    private func apply(_ mapped: MappedContract, source: Source, in set: HRWriteSet) throws -> Outcome {
        let existing = set.contracts[mapped.oneflowContractID]
        if let stored = existing?.stateUpdatedAt, let fetched = mapped.stateUpdatedAt, fetched < stored.addingTimeInterval(-0.001) {
            return Outcome(kind: .stale, contractID: existing?.id, employeeID: existing?.$employee.id, contract: existing)
        }
        let (employee, newEmployee) = set.employee(for: mapped.employee, linked: existing?.$employee.id)
        var changes: [String: [String: String?]] = [:]
        try update(employee, with: mapped, changes: &changes)
        let employeeChanged = newEmployee || !changes.isEmpty
        if employeeChanged { set.changed(employee) }

        let contract = existing ?? set.newContract(mapped)
        let before = existing?.status
        update(contract, new: existing == nil, with: mapped, employeeID: try employee.requireID(), changes: &changes)
        guard existing == nil || !changes.isEmpty else {
            return Outcome(kind: .unchanged, contractID: existing?.id, employeeID: employee.id, contract: existing)
        }
        set.changed(contract)
        if contract.contractRequestID != nil, before != contract.status { set.requestContracts.append(contract) }
        let json = String(decoding: try JSONEncoder().encode(changes), as: UTF8.self)
        set.record(
            ContractHistory(
                contractID: try contract.requireID(), deliveryID: source.deliveryID, source: source.name,
                eventTypes: source.eventTypes, fromStatus: before, toStatus: contract.status, changes: json))
        if employeeChanged { set.notify(.employee, newEmployee ? .created : .updated, employee) }
        set.notify(.contract, existing == nil ? .created : .updated, contract)
        return Outcome(kind: existing == nil ? .created : .updated, contractID: contract.id, employeeID: employee.id, contract: contract)
    }

    /// Marks a contract Oneflow no longer has as deleted (history kept), inside a transaction
    /// that holds the installation's lock (`InstallationLock`). nil: the contract is not stored.
    func markDeleted(oneflowContractID: Int, installationID: UUID, source: Source, locked tx: any Database) async throws -> Outcome? {
        guard
            let contract = try await EmploymentContract.query(on: tx).filter(\.$installation.$id == installationID)
                .filter(\.$oneflowContractID == oneflowContractID).first()
        else { return nil }
        guard contract.status != "deleted" else { return Outcome(kind: .unchanged, contractID: contract.id, employeeID: contract.$employee.id) }
        let before = contract.status
        contract.status = "deleted"
        try await contract.save(on: tx)
        try await ContractHistory(
            contractID: try contract.requireID(), deliveryID: source.deliveryID, source: source.name,
            eventTypes: source.eventTypes, fromStatus: before, toStatus: "deleted",
            changes: #"{"status":{"from":"\#(before)","to":"deleted"}}"#
        ).create(on: tx)
        try await outbox?.record(
            .contract, .deleted, data: try HRRecordsJSON.Contract(contract), subjectID: contract.id,
            employeeID: contract.$employee.id, installationID: installationID, on: tx, now: clock.now)
        if contract.contractRequestID != nil {
            try await ContractRequestFollower(outbox: outbox, contractPage: contractPage)
                .follow([contract], installationID: installationID, on: tx, now: clock.now)
        }
        return Outcome(kind: .updated, contractID: contract.id, employeeID: contract.$employee.id)
    }

    private func update(_ e: Employee, with mapped: MappedContract, changes: inout [String: [String: String?]]) throws {
        let p = mapped.employee
        func set(_ key: String, _ path: ReferenceWritableKeyPath<Employee, String?>, _ value: String?) {
            guard let value, e[keyPath: path] != value else { return }
            changes["employee.\(key)"] = ["from": e[keyPath: path], "to": value]
            e[keyPath: path] = value
        }
        set("employee_number", \.employeeNumber, p.employeeNumber)
        set("name", \.name, p.name)
        set("email", \.email, p.email)
        set("phone", \.phone, p.phone)
        set("title", \.title, p.title)
        set("employment_status", \.employmentStatus, mapped.employmentStatus)
        if let number = p.personalNumber, try e.personalNumberSealed.map(box.open) != number {
            changes["employee.personal_number"] = ["from": nil, "to": "(changed)"]
            e.personalNumberSealed = try box.seal(number)
        }
        for (column, incoming) in [(\Employee.fields, p.fields), (\Employee.customFields, p.customFields)] {
            var merged = (try? JSONDecoder().decode([String: String].self, from: Data(e[keyPath: column].utf8))) ?? [:]
            for (key, value) in incoming where merged[key] != value {
                changes["field.\(key)"] = ["from": merged[key], "to": value]
                merged[key] = value
            }
            e[keyPath: column] = String(decoding: try JSONEncoder.sorted.encode(merged), as: UTF8.self)
        }
    }

    /// A new contract's history lists its status too (from nothing), though it was created with it.
    private func update(_ c: EmploymentContract, new: Bool, with m: MappedContract, employeeID: UUID, changes: inout [String: [String: String?]]) {
        func set(_ key: String, _ path: ReferenceWritableKeyPath<EmploymentContract, String?>, _ value: String?) {
            guard let value, c[keyPath: path] != value else { return }
            changes["contract.\(key)"] = ["from": c[keyPath: path], "to": value]
            c[keyPath: path] = value
        }
        if c.status != m.status || new {
            changes["contract.status"] = ["from": new ? nil : c.status, "to": m.status]
            c.status = m.status
        }
        set("name", \.name, m.name)
        set("lifecycle_state", \.lifecycleState, m.lifecycleState)
        set("start_date", \.startDate, m.startDate)
        set("end_date", \.endDate, m.endDate)
        if c.$employee.id != employeeID {
            c.$employee.id = employeeID
            changes["contract.employee"] = ["from": nil, "to": employeeID.uuidString]
        }
        if let t = m.templateTypeID, c.templateTypeID != t { c.templateTypeID = t }
        if let at = m.stateUpdatedAt { c.stateUpdatedAt = at }
        if let signed = m.signedAt, c.signedAt == nil {
            c.signedAt = signed
            changes["contract.signed_at"] = ["from": nil, "to": "\(signed)"]
        }
    }
}

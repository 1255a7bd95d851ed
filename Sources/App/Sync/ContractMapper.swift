import Foundation
import OneflowAPI

/// What a fetched contract says about the employee and the employment contract.
/// Pure: the same contract always maps to the same records.
///
/// HRM mapping suggested by Oneflow (https://developer.oneflow.com/docs/get-hrm-specific-data-to-create-a-contract-1):
/// the employee is the counterparty participant (name, email, phone, identification number,
/// title); everything else comes from the template group's data fields by `custom_id`.
struct MappedContract: Equatable, Sendable {
    struct Employee: Equatable, Sendable {
        var employeeNumber: String?
        var name: String?
        var email: String?
        var phone: String?
        var personalNumber: String?
        var title: String?
        /// `HRField` raw value → value, for mapped data fields.
        var fields: [String: String]
        /// Custom HR field → value, for data fields mapped to one; `custom_id` → value, for
        /// data fields without a mapping.
        var customFields: [String: String]
    }

    var oneflowContractID: Int
    var templateTypeID: Int?
    var name: String?
    /// draft, pending, overdue, signed, declined (Oneflow's state), or deleted.
    var status: String
    var stateUpdatedAt: Date?
    var lifecycleState: String?
    var startDate: String?
    var endDate: String?
    var signedAt: Date?
    /// PENDING (signed, not started), ACTIVE, INACTIVE — only for signed contracts.
    var employmentStatus: String?
    var employee: Employee
}

enum ContractMapper {
    /// - Parameter mapping: the installation's (`FieldSet.mapping`): a retired field is not read.
    static func map(_ contract: Contract, mapping: FieldMapping, now: Date) -> MappedContract {
        let person = employeeParticipant(of: contract)
        var fields: [String: String] = [:]
        var custom: [String: String] = [:]
        for field in contract.dataFields {
            guard let id = field.customID, let value = field.value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { continue }
            if id == RequestCorrelation.customID || mapping.retired.contains(id) { continue }
            switch mapping.targets[id] {
            case let key? where FieldMapping.isStandard(key): fields[key] = value
            case let key?: custom[key] = value
            case nil: custom[id] = value
            }
        }
        let employee = MappedContract.Employee(
            employeeNumber: fields[HRField.employeeNumber.rawValue], name: person?.name?.nonEmpty, email: person?.email?.lowercased().nonEmpty,
            phone: person?.phoneNumber?.nonEmpty, personalNumber: person?.identificationNumber?.nonEmpty,
            title: person?.title?.nonEmpty ?? fields[HRField.jobTitle.rawValue], fields: fields, customFields: custom)
        let signed = contract.state == .signed
        return MappedContract(
            oneflowContractID: contract.id, templateTypeID: contract.templateTypeID, name: contract.name, status: contract.state.rawValue,
            stateUpdatedAt: contract.stateUpdatedTime, lifecycleState: contract.lifecycleState?.lifecycleState?.rawValue,
            startDate: fields[HRField.startDate.rawValue] ?? contract.lifecycleState?.contractStartTime.map(day),
            endDate: fields[HRField.endDate.rawValue] ?? contract.lifecycleState?.contractEndTime.map(day),
            signedAt: signed ? (contract.stateUpdatedTime ?? person?.signStateUpdatedTime) : nil,
            employmentStatus: signed ? employmentStatus(contract, startDate: fields[HRField.startDate.rawValue], now: now) : nil,
            employee: employee)
    }

    /// The counterparty's signing person: an individual party's participant, else the first
    /// signatory of the first counterparty company.
    static func employeeParticipant(of contract: Contract) -> Participant? {
        let parties = contract.counterparties
        if let individual = parties.first(where: { $0.type == .individual })?.allParticipants.first { return individual }
        let people = parties.flatMap(\.allParticipants)
        return people.first { $0.signatory == true } ?? people.first
    }

    /// From Oneflow's lifecycle when it has one, else from the start date.
    static func employmentStatus(_ contract: Contract, startDate: String?, now: Date) -> String {
        switch contract.lifecycleState?.lifecycleState {
        case .active?: return "ACTIVE"
        case .ended?: return "INACTIVE"
        case .awaiting?: return "PENDING"
        default:
            if contract.lifecycleState?.isCanceled == true { return "INACTIVE" }
            guard let startDate, let start = OneflowDate.parse(startDate + "T00:00:00+0000") else { return "ACTIVE" }
            return start > now ? "PENDING" : "ACTIVE"
        }
    }

    static func day(_ date: Date) -> String { String(OneflowDate.format(date).prefix(10)) }
}

extension String {
    var nonEmpty: String? {
        let trimmed = trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

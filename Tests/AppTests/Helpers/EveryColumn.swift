import Foundation

@testable import App

/// An employee and a contract with every optional column set, so that a reading or a write
/// that skips a column shows in a comparison (`SQLInsertableTests`, `RowDecodableTests`).
extension Employee {
    static func everyColumn(installationID: UUID) -> Employee {
        let e = Employee(installationID: installationID)
        e.employeeNumber = "10023"
        e.name = "Zoë Ågren"
        e.email = "zoe@example.com"
        e.phone = "+46701234567"
        e.personalNumberSealed = "sealed"
        e.title = "Engineer"
        e.fields = #"{"department":"Support"}"#
        e.customFields = #"{"x":"y"}"#
        e.employmentStatus = "ACTIVE"
        return e
    }
}

extension EmploymentContract {
    static func everyColumn(installationID: UUID, oneflowContractID: Int, employeeID: UUID?) -> EmploymentContract {
        let c = EmploymentContract(installationID: installationID, oneflowContractID: oneflowContractID, status: "signed")
        c.$employee.id = employeeID
        c.templateTypeID = 42
        c.name = "Employment"
        c.lifecycleState = "active"
        c.startDate = "2026-01-01"
        c.endDate = "2027-01-01"
        c.stateUpdatedAt = Date(timeIntervalSince1970: 1_790_000_000.25)
        c.signedAt = Date(timeIntervalSince1970: 1_790_000_001)
        return c
    }
}

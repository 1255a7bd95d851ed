import Foundation
import Vapor

/// The HR JSON API's objects (documented in `Resources/openapi.json`). Dates are ISO 8601 UTC.
enum HRRecordsJSON {
    static func time(_ date: Date?) -> String? { date?.formatted(.iso8601) }

    /// How an employee or contract names its installation (`InstallationReference`).
    typealias InstallationRef = InstallationReference

    /// `GET /api/v1/installations`: one a key may see.
    struct Installation: Content {
        var id: UUID
        var oneflow_account_id: Int
        var oneflow_account_name: String
        /// provisioning, active, error, disconnected.
        var status: String
        var created_at: String?
        /// The HR system's reference of the customer, bound by the connection link its setup used.
        var hr_customer_reference: String?

        init(_ i: App.Installation) throws {
            (id, oneflow_account_id, oneflow_account_name, status) = (try i.requireID(), i.oneflowAccountID, i.accountName, i.status.rawValue)
            created_at = time(i.createdAt)
            hr_customer_reference = i.hrCustomerReference
        }
    }

    struct InstallationList: Content {
        var data: [Installation]
    }

    struct Employee: Content {
        var id: UUID
        var installation_id: UUID
        /// Its installation and Oneflow account (the API's answers; not in notifications).
        var installation: InstallationRef?
        var employee_number: String?
        var name: String?
        var email: String?
        var phone: String?
        var title: String?
        var employment_status: String?
        var fields: [String: String]
        var custom_fields: [String: String]
        var created_at: String?
        var updated_at: String?
        /// Detail only.
        var personal_number: String?
        var contracts: [Contract]?
        var documents: [Document]?

        init(
            _ e: App.Employee, installation: InstallationRef? = nil, box: SecretBox? = nil, contracts: [Contract]? = nil, documents: [Document]? = nil
        ) throws {
            id = try e.requireID()
            installation_id = e.$installation.id
            self.installation = installation
            (employee_number, name, email, phone, title) = (e.employeeNumber, e.name, e.email, e.phone, e.title)
            employment_status = e.employmentStatus
            fields = (try? JSONDecoder().decode([String: String].self, from: Data(e.fields.utf8))) ?? [:]
            custom_fields = (try? JSONDecoder().decode([String: String].self, from: Data(e.customFields.utf8))) ?? [:]
            (created_at, updated_at) = (time(e.createdAt), time(e.updatedAt))
            personal_number = try box.flatMap { box in try e.personalNumberSealed.map(box.open) }
            self.contracts = contracts
            self.documents = documents
        }
    }

    struct Contract: Content {
        var id: UUID
        var installation_id: UUID
        /// Its installation and Oneflow account (the API's answers; not in notifications).
        var installation: InstallationRef?
        var oneflow_contract_id: Int
        var employee_id: UUID?
        var name: String?
        var status: String
        var lifecycle_state: String?
        var start_date: String?
        var end_date: String?
        var signed_at: String?
        var state_updated_at: String?
        var updated_at: String?
        var history: [History]?

        init(_ c: EmploymentContract, installation: InstallationRef? = nil, history: [History]? = nil) throws {
            id = try c.requireID()
            installation_id = c.$installation.id
            self.installation = installation
            (oneflow_contract_id, employee_id, name, status) = (c.oneflowContractID, c.$employee.id, c.name, c.status)
            (lifecycle_state, start_date, end_date) = (c.lifecycleState, c.startDate, c.endDate)
            (signed_at, state_updated_at, updated_at) = (time(c.signedAt), time(c.stateUpdatedAt), time(c.updatedAt))
            self.history = history
        }
    }

    struct History: Content {
        var at: String?
        var source: String
        var event_types: [String]
        var from_status: String?
        var to_status: String
        var changes: [String: [String: String?]]

        init(_ h: ContractHistory) {
            (at, source, from_status, to_status) = (time(h.createdAt), h.source, h.fromStatus, h.toStatus)
            event_types = h.eventTypes.split(separator: ",").map(String.init)
            changes = (try? JSONDecoder().decode([String: [String: String?]].self, from: Data(h.changes.utf8))) ?? [:]
        }
    }

    struct Document: Content {
        var id: UUID
        var contract_id: UUID?
        var filename: String
        var content_type: String
        var size: Int
        var sha256: String
        var created_at: String?
        var url: String

        init(_ d: App.Document) throws {
            id = try d.requireID()
            (contract_id, filename, content_type, size, sha256) = (d.$contract.id, d.filename, d.contentType, d.size, d.sha256)
            created_at = time(d.createdAt)
            url = "/api/v1/employees/\(d.$employee.id.uuidString)/documents/\(id.uuidString)"
        }
    }

    struct EmployeeList: Content {
        var data: [Employee]
        /// All matching employees: without `after` unless `count=false`, with it only for
        /// `count=true` (counting reads every one).
        var count: Int?
        /// The next page: `after=<next_cursor>`; nil on the last.
        var next_cursor: String?
        /// Without `after` (offset paging, superseded by the cursor).
        var next_offset: Int?
    }
}

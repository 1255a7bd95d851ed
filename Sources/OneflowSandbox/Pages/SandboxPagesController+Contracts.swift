import Foundation
import OneflowAPI
import Vapor

extension SandboxPagesController {
    struct ContractsPage: Encodable {
        struct Option: Encodable {
            var id: Int
            var name: String
            var selected: Bool
        }
        struct Field: Encodable {
            var customID: String
            var name: String
            var placeholder: String
            var sample: String
        }
        struct Row: Encodable {
            var id: Int
            var name: String
            var group: String
            var state: String
            var employee: String
            var updated: String
            var actions: [String]
        }
        var title = "Sandbox contracts"
        var accountID: Int?
        var accounts: [Option]
        var templateTypes: [Option]
        var fields: [Field]
        var sample: EmployeeInput
        var contracts: [Row]
        var message: String?
    }

    @Sendable func contracts(req: Request) async throws -> View {
        let accounts = await store.accounts()
        let accountID = req.query[Int.self, at: "account"] ?? accounts.last?.id
        let typeList = if let accountID { await store.templateTypes(accountID: accountID) } else { [TemplateTypeRecord]() }
        let ours = typeList.first { $0.name == configuration.extensionTemplateGroupName }
        let chosen = req.query[Int.self, at: "template_type_id"].flatMap { id in typeList.first { $0.id == id } } ?? ours ?? typeList.first
        let contracts = if let accountID { await store.contracts(accountID: accountID) } else { [ContractRecord]() }
        let names = Dictionary(typeList.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let sample = SampleEmployees.pick()
        let page = ContractsPage(
            accountID: accountID,
            accounts: accounts.map { .init(id: $0.id, name: $0.name, selected: $0.id == accountID) },
            templateTypes: typeList.map { .init(id: $0.id, name: $0.name, selected: $0.id == chosen?.id) },
            fields: (chosen?.dataFields ?? []).compactMap { field in
                field.customID.map { .init(customID: $0, name: field.name, placeholder: field.placeholder, sample: sample.values[$0] ?? "") }
            },
            sample: sample.employee,
            contracts: contracts.reversed().map { c in
                ContractsPage.Row(
                    id: c.id, name: c.name, group: c.templateTypeID.map { names[$0] ?? "#\($0)" } ?? "No template group",
                    state: c.state, employee: c.employee?.name ?? "No counterparty", updated: OneflowDate.format(c.updatedTime),
                    actions: Self.actions(for: c.state))
            },
            message: req.query[String.self, at: "message"]
        )
        return try await req.view.render("sandbox/contracts", page)
    }

    static func actions(for state: String) -> [String] {
        switch state {
        case "draft": ["publish", "delete"]
        case "pending": ["sign", "decline", "expire", "delete"]
        case "overdue": ["sign", "decline", "revive", "delete"]
        case "signed": ["lifecycle_start", "lifecycle_terminate", "delete"]
        default: ["delete"]
        }
    }

    @Sendable func createContract(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        guard let accountID = form["account"].flatMap(Int.init), let typeID = form["template_type_id"].flatMap(Int.init) else {
            throw Abort(.badRequest, reason: "Choose an account and a template group.")
        }
        let employee = EmployeeInput(
            name: form["employee_name"] ?? "", email: form["employee_email"] ?? "", phone: form["employee_phone"],
            identificationNumber: form["employee_identification_number"], title: form["employee_title"])
        var values: [String: String] = [:]
        for (key, value) in form where key.hasPrefix("field_") && !value.isEmpty { values[String(key.dropFirst(6))] = value }
        do {
            let contract = try await store.createContract(accountID: accountID, templateTypeID: typeID, employee: employee, values: values, name: nil)
            return back(req, accountID, "Created contract #\(contract.id) as a draft.")
        } catch {
            return back(req, accountID, "Could not create the contract: \(error.detail) \(error.parameterProblems.values.joined(separator: " "))")
        }
    }

    @Sendable func act(req: Request) async throws -> Response {
        guard let action = req.parameters.get("action").flatMap(ContractAction.init(rawValue:)),
            let id = req.parameters.get("id").flatMap(Int.init), let accountID = await store.accountID(ofContract: id)
        else {
            throw Abort(.notFound)
        }
        do {
            try await store.apply(action, accountID: accountID, contractID: id)
            return back(req, accountID, "Contract #\(id): \(action.rawValue.replacingOccurrences(of: "_", with: " ")) done.")
        } catch {
            return back(req, accountID, "Contract #\(id): \(error.detail)")
        }
    }

    private func back(_ req: Request, _ accountID: Int, _ message: String) -> Response {
        var components = URLComponents()
        components.path = "/sandbox/contracts"
        components.queryItems = [URLQueryItem(name: "account", value: String(accountID)), URLQueryItem(name: "message", value: message)]
        return req.redirect(to: components.string ?? "/sandbox/contracts", redirectType: .normal)
    }
}

/// Plausible people to hire, so a contract can be made with one click.
enum SampleEmployees {
    static let people: [(String, String)] = [
        ("Jane Doe", "Support Engineer"), ("Erik Lindqvist", "Backend Developer"), ("Amira Haddad", "Product Designer"),
        ("Lucas Moreau", "Account Executive"), ("Sofia Berg", "Finance Analyst"), ("Kenji Watanabe", "Data Scientist"),
    ]

    static func pick() -> (employee: EmployeeInput, values: [String: String]) {
        let index = Int.random(in: 0..<people.count)
        let (name, title) = people[index]
        let email = name.lowercased().replacingOccurrences(of: " ", with: ".") + "@example.com"
        let employee = EmployeeInput(
            name: name, email: email, phone: "+4670123456\(index)", identificationNumber: "19900101-12\(30 + index)", title: title)
        let values = [
            "employee_number": String(10_000 + Int.random(in: 0..<90_000)), "start_date": "2026-01-0\(index + 1)",
            "job_title": title, "department": "Operations", "employment_type": "permanent", "manager": "hanna.hr@example.com",
            "work_location": "Stockholm", "salary": "42000 SEK/month",
        ]
        return (employee, values)
    }
}

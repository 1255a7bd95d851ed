import Foundation

extension AccountRecord {
    /// The active user with this email, compared as Oneflow compares emails: ignoring case.
    func user(email: String) -> UserRecord? {
        users.first { $0.active && $0.email.caseInsensitiveCompare(email) == .orderedSame }
    }

    var userEmails: [String] { users.filter(\.active).map(\.email) }

    func workspace(_ id: Int) -> WorkspaceRecord? { workspaces.first { $0.id == id } }
}

/// Workspaces, users and templates: made in Oneflow's app, here by the control API and the
/// sandbox's account page. A new account gets what a tester needs to create a contract at once.
extension SandboxStore {
    func account(id: Int) throws(SandboxProblem) -> AccountRecord {
        guard let account = state.accounts.first(where: { $0.id == id }) else { throw .notFound("The account") }
        return account
    }

    private func updateAccount(_ id: Int, _ change: (inout AccountRecord) throws(SandboxProblem) -> Void) throws(SandboxProblem) -> AccountRecord {
        guard let index = state.accounts.firstIndex(where: { $0.id == id }) else { throw .notFound("The account") }
        try change(&state.accounts[index])
        persist()
        return state.accounts[index]
    }

    /// Two workspaces (HR, Sales), an admin and an HR user who may create contracts in HR only,
    /// and a template outside any template group. The employment template of our group comes
    /// when setup makes the group (`addGroupTemplateIfOurs`).
    func seedDirectory(of account: inout AccountRecord) {
        let time = now()
        let hr = WorkspaceRecord(
            id: state.allocateID(), name: "HR", companyName: account.name,
            registrationNumber: String(format: "556%03d-%04d", account.id % 1000, account.id % 10000),
            countryCode: "SE", createdTime: time)
        let sales = WorkspaceRecord(
            id: state.allocateID(), name: "Sales", companyName: account.name,
            registrationNumber: hr.registrationNumber, countryCode: "SE", createdTime: time)
        account.workspaces = [hr, sales]
        account.users = [
            UserRecord(
                id: state.allocateID(), email: "admin@account\(account.id).sandbox.example", name: "Sandbox Admin",
                title: "Administrator", role: "admin", active: true, grants: []),
            UserRecord(
                id: state.allocateID(), email: "hr@account\(account.id).sandbox.example", name: "Hanna HR",
                title: "HR Manager", role: "user", active: true, grants: [WorkspaceGrant(workspaceID: hr.id, canCreate: true)]),
        ]
        state.templates.append(newTemplate(accountID: account.id, workspaceID: hr.id, typeID: nil, name: "Non-disclosure agreement"))
    }

    func newTemplate(
        accountID: Int, workspaceID: Int, typeID: Int?, name: String,
        delivery: [OptionRecord]? = nil, sign: [OptionRecord]? = nil, twoStep: [OptionRecord]? = nil
    ) -> TemplateRecord {
        let time = now()
        return TemplateRecord(
            id: state.allocateID(), accountID: accountID, workspaceID: workspaceID, templateTypeID: typeID, name: name, active: true,
            deliveryChannels: delivery ?? TemplateOptions.options(TemplateOptions.defaultDelivery, from: TemplateOptions.deliveryChannels)!,
            signMethods: sign ?? TemplateOptions.options(TemplateOptions.defaultSign, from: TemplateOptions.signMethods)!,
            twoStepMethods: twoStep ?? TemplateOptions.options(TemplateOptions.defaultTwoStep, from: TemplateOptions.twoStepMethods)!,
            createdTime: time, updatedTime: time)
    }

    /// When setup makes the extension's template group, the customer's admin would next make
    /// an employment template in it; the sandbox does that for them, in the first workspace.
    /// - Returns: whether it added one.
    @discardableResult
    func addGroupTemplateIfOurs(_ type: TemplateTypeRecord) -> Bool {
        guard type.name == extensionTemplateGroupName, !state.templates.contains(where: { $0.templateTypeID == type.id }),
            let workspace = state.accounts.first(where: { $0.id == type.accountID })?.workspaces.first
        else { return false }
        state.templates.append(newTemplate(accountID: type.accountID, workspaceID: workspace.id, typeID: type.id, name: "Employment contract"))
        return true
    }

    /// The template group a template is in, if any.
    func group(of template: TemplateRecord) -> TemplateTypeRecord? {
        template.templateTypeID.flatMap { id in state.templateTypes.first { $0.id == id && $0.accountID == template.accountID } }
    }

    /// The account's template groups Oneflow gave this `extension_type` alias.
    func templateTypeIDs(accountID: Int, extensionType alias: String) -> Set<Int> {
        Set(state.templateTypes.filter { $0.accountID == accountID && $0.extensionType == alias }.map(\.id))
    }

    /// A template of the type for contracts made by the control API and the contracts page,
    /// which choose a template group rather than a template: the group's first template, or a
    /// new one in the first workspace.
    func templateForGroup(accountID: Int, typeID: Int) throws(SandboxProblem) -> TemplateRecord {
        if let template = state.templates.first(where: { $0.accountID == accountID && $0.templateTypeID == typeID && $0.active }) {
            return template
        }
        guard let workspace = try account(id: accountID).workspaces.first else { throw .notFound("A workspace of the account") }
        let type = try templateType(accountID: accountID, id: typeID)
        let template = newTemplate(accountID: accountID, workspaceID: workspace.id, typeID: typeID, name: "\(type.name) template")
        state.templates.append(template)
        return template
    }

    // MARK: Lists, as the acting user sees them (nil: the anonymous admin)

    func workspaces(of account: AccountRecord, for user: UserRecord?) -> [(WorkspaceRecord, canCreate: Bool)] {
        account.workspaces.compactMap { workspace in
            guard let user else { return (workspace, true) }
            return user.grant(workspace.id).map { (workspace, $0.canCreate) }
        }
    }

    func templates(accountID: Int) -> [TemplateRecord] {
        state.templates.filter { $0.accountID == accountID }.sorted { $0.id < $1.id }
    }

    func template(accountID: Int, id: Int) throws(SandboxProblem) -> TemplateRecord {
        guard let template = state.templates.first(where: { $0.id == id && $0.accountID == accountID }) else { throw .notFound("The template") }
        return template
    }

    // MARK: Changes (control API and account page)

    func addWorkspace(accountID: Int, name: String) throws(SandboxProblem) -> WorkspaceRecord {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw .invalid("name", "Must be 1–100 characters.") }
        let id = state.allocateID()
        let time = now()
        let account = try updateAccount(accountID) { (account) throws(SandboxProblem) in
            let first = account.workspaces.first
            account.workspaces.append(
                WorkspaceRecord(
                    id: id, name: name, companyName: first?.companyName ?? account.name,
                    registrationNumber: first?.registrationNumber ?? "", countryCode: "SE", createdTime: time))
        }
        return account.workspace(id)!
    }

    /// A user; `grants` name the workspaces a non-admin sees, with or without create rights.
    func addUser(accountID: Int, email: String, name: String, admin: Bool, grants: [WorkspaceGrant]) throws(SandboxProblem) -> UserRecord {
        let email = email.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard email.contains("@"), email.count <= 255 else { throw .invalid("email", "Must be an email address.") }
        guard !name.isEmpty, name.count <= 100 else { throw .invalid("name", "Must be 1–100 characters.") }
        let user = UserRecord(id: state.allocateID(), email: email, name: name, role: admin ? "admin" : "user", active: true, grants: grants)
        _ = try updateAccount(accountID) { (account) throws(SandboxProblem) in
            guard account.users.allSatisfy({ $0.email.caseInsensitiveCompare(email) != .orderedSame }) else {
                throw .invalid("email", "A user with this email exists.")
            }
            for (index, grant) in grants.enumerated() where account.workspace(grant.workspaceID) == nil {
                throw .invalid("workspaces[\(index)]", "No such workspace in the account.")
            }
            account.users.append(user)
        }
        return user
    }

    /// An admin deactivates a user in Oneflow: the user no longer acts through the API
    /// (`x-oneflow-user-email` with their email answers 401) and is no longer listed as active.
    func setUserActive(accountID: Int, email: String, active: Bool) throws(SandboxProblem) -> UserRecord {
        let account = try updateAccount(accountID) { (account) throws(SandboxProblem) in
            guard let index = account.users.firstIndex(where: { $0.email.caseInsensitiveCompare(email) == .orderedSame }) else {
                throw .invalid("email", "No user with this email in the account.")
            }
            account.users[index].active = active
        }
        return account.users.first { $0.email.caseInsensitiveCompare(email) == .orderedSame }!
    }

    func setPublishing(accountID: Int, allowed: Bool) throws(SandboxProblem) -> AccountRecord {
        try updateAccount(accountID) { $0.canPublish = allowed }
    }

    func addTemplate(
        accountID: Int, workspaceID: Int, typeID: Int?, name: String, active: Bool = true,
        delivery: [String]?, sign: [String]?, twoStep: [String]?
    ) throws(SandboxProblem) -> TemplateRecord {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...130).contains(name.count) else { throw .invalid("name", "Must be 1–130 characters.") }
        guard try account(id: accountID).workspace(workspaceID) != nil else { throw .invalid("workspace_id", "No such workspace in the account.") }
        if let typeID { _ = try templateType(accountID: accountID, id: typeID) }
        func options(_ names: [String]?, _ table: [String: [String]], _ field: String) throws(SandboxProblem) -> [OptionRecord]? {
            guard let names else { return nil }
            guard !names.isEmpty, let options = TemplateOptions.options(names, from: table) else {
                throw .invalid(field, "Must be one or more of \(table.keys.sorted().joined(separator: ", ")).")
            }
            return options
        }
        var template = newTemplate(
            accountID: accountID, workspaceID: workspaceID, typeID: typeID, name: name,
            delivery: try options(delivery, TemplateOptions.deliveryChannels, "delivery_channels"),
            sign: try options(sign, TemplateOptions.signMethods, "sign_methods"),
            twoStep: try options(twoStep, TemplateOptions.twoStepMethods, "two_step_authentication_methods"))
        template.active = active
        state.templates.append(template)
        persist()
        return template
    }
}

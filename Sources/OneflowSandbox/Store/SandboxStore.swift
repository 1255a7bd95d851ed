import Crypto
import Foundation

/// The sandbox's state and every change to it, serialised by the actor and written to
/// `persistPath` (when set) after each change, atomically.
actor SandboxStore {
    var state: SandboxState
    let persistPath: String?
    /// The template group our extension makes at setup; it gets an employment template.
    let extensionTemplateGroupName: String
    let now: @Sendable () -> Date

    init(persistPath: String?, extensionTemplateGroupName: String = "HR Bridge", now: @escaping @Sendable () -> Date = { Date() }) {
        self.persistPath = persistPath
        self.extensionTemplateGroupName = extensionTemplateGroupName
        self.now = now
        state = SandboxState()
        guard let persistPath, let data = FileManager.default.contents(atPath: persistPath) else { return }
        do {
            state = try JSONDecoder().decode(SandboxState.self, from: data)
        } catch {
            // Never overwrite what could not be read: keep it beside the fresh state for a person to look at.
            let aside = persistPath + ".unreadable-\(Int(now().timeIntervalSince1970))"
            try? FileManager.default.moveItem(atPath: persistPath, toPath: aside)
            setAside = aside
        }
    }

    /// Where a state file that could not be read was moved, for `Sandbox` to say so at start.
    private(set) var setAside: String?

    /// Accounts from files written before workspaces, users and templates existed get the
    /// directory a new account gets (their users kept), and our group its employment template.
    /// Run by `Sandbox.start()` (an actor's initializer cannot).
    func completeDirectories() {
        var changed = false
        for index in state.accounts.indices {
            for user in state.accounts[index].users.indices where state.accounts[index].users[user].id == 0 {
                state.accounts[index].users[user].id = state.allocateID()
                changed = true
            }
            guard state.accounts[index].workspaces.isEmpty else { continue }
            var account = state.accounts[index]
            let kept = account.users
            seedDirectory(of: &account)
            account.users = kept + account.users.filter { new in !kept.contains { $0.email.caseInsensitiveCompare(new.email) == .orderedSame } }
            state.accounts[index] = account
            changed = true
        }
        for type in state.templateTypes where addGroupTemplateIfOurs(type) { changed = true }
        // Written only when an older file was completed, not at every start.
        if changed { persist() }
    }

    func persist() {
        guard let persistPath else { return }
        do {
            let directory = (persistPath as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try Self.writePrivately(try JSONEncoder().encode(state), to: persistPath)
        } catch {
            // The sandbox keeps working from memory; the next change tries again.
        }
    }

    /// Written to a file of mode 0600 (it holds live tokens and sign keys), then renamed over
    /// the old one, so a reader never sees half a file. `Data.write(options: .atomic)` would
    /// create it with the umask's mode, readable by every local user.
    static func writePrivately(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    // MARK: Accounts

    /// A Oneflow token: 40 characters (https://developer.oneflow.com/reference/create-a-webhook).
    static func mintToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<40).map { _ in alphabet.randomElement()! })
    }

    func createAccount(name: String?) -> (AccountRecord, String) {
        let id = state.allocateID()
        let token = Self.mintToken()
        var account = AccountRecord(
            id: id, name: name?.isEmpty == false ? name! : "Sandbox Company \(state.accounts.count + 1)",
            tokens: [token], users: [], workspaces: [], canPublish: true, createdTime: now()
        )
        seedDirectory(of: &account)
        state.accounts.append(account)
        persist()
        return (account, token)
    }

    /// Enabling the extension again mints another token for the same account.
    func mintToken(accountID: Int) throws(SandboxProblem) -> String {
        guard let index = state.accounts.firstIndex(where: { $0.id == accountID }) else { throw .notFound("The account") }
        let token = Self.mintToken()
        state.accounts[index].tokens.append(token)
        persist()
        return token
    }

    /// Disabling the extension: every token of the account stops working (Oneflow's exact
    /// behaviour on disable is not documented; a revoked token answering 401 is the safe guess).
    func revokeTokens(accountID: Int) throws(SandboxProblem) {
        guard let index = state.accounts.firstIndex(where: { $0.id == accountID }) else { throw .notFound("The account") }
        state.accounts[index].tokens = []
        persist()
    }

    func account(token: String) -> AccountRecord? {
        state.accounts.first { $0.tokens.contains(token) }
    }

    /// The account a control call names by one of its tokens; 401 like the API otherwise.
    func account(authorizedBy token: String?) throws(SandboxProblem) -> AccountRecord {
        guard let token, let account = account(token: token) else { throw .unauthorized }
        return account
    }

    func accounts() -> [AccountRecord] {
        state.accounts.sorted { ($0.createdTime, $0.id) < ($1.createdTime, $1.id) }
    }

    // MARK: Template types

    func templateTypes(accountID: Int) -> [TemplateTypeRecord] {
        state.templateTypes.filter { $0.accountID == accountID }.sorted { $0.id < $1.id }
    }

    func templateType(accountID: Int, id: Int) throws(SandboxProblem) -> TemplateTypeRecord {
        guard let type = state.templateTypes.first(where: { $0.id == id && $0.accountID == accountID }) else {
            throw .notFound("The template type")
        }
        return type
    }

    func createTemplateType(accountID: Int, name: String, description: String, extensionType: String?) throws(SandboxProblem) -> TemplateTypeRecord {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...255).contains(name.count) else { throw .invalid("name", "Must be 1–255 characters.") }
        let record = TemplateTypeRecord(
            id: state.allocateID(), accountID: accountID, name: name, description: description,
            extensionType: extensionType, dataFields: [], createdTime: now(), updatedTime: now())
        state.templateTypes.append(record)
        addGroupTemplateIfOurs(record)
        persist()
        return record
    }

    /// `PUT /template_types/{id}/data_fields`: the request is the complete set. A field in
    /// both is updated, a field only in the request is created, a field only in the type is
    /// deleted. https://developer.oneflow.com/docs/manage-template-type-data-fields
    func replaceDataFields(accountID: Int, typeID: Int, with inputs: [DataFieldInputRecord]) throws(SandboxProblem) -> TemplateTypeRecord {
        guard let index = state.templateTypes.firstIndex(where: { $0.id == typeID && $0.accountID == accountID }) else {
            throw .notFound("The template type")
        }
        try DataFieldInputRecord.validate(inputs)
        let existing = state.templateTypes[index].dataFields
        let time = now()
        var fields: [DataFieldRecord] = []
        for (index, input) in inputs.enumerated() {
            let match = existing.first { (input.customID != nil && $0.customID == input.customID) || (input.id != nil && $0.id == input.id) }
            if input.customID == nil, match == nil { throw .invalid("data_fields[\(index)].id", "No data field with this id in the template type.") }
            var field =
                match
                ?? DataFieldRecord(
                    id: state.allocateID(), customID: input.customID, name: "", description: "",
                    placeholder: "", value: "", createdTime: time, updatedTime: time)
            (field.customID, field.name) = (input.customID ?? field.customID, input.name)
            (field.description, field.placeholder, field.value) = (input.description ?? "", input.placeholder ?? "", input.value ?? "")
            if field != match { field.updatedTime = time }
            fields.append(field)
        }
        state.templateTypes[index].dataFields = fields
        state.templateTypes[index].updatedTime = time
        persist()
        return state.templateTypes[index]
    }
}

/// One item of the data-field PUT body, as the sandbox reads it.
struct DataFieldInputRecord: Codable, Sendable {
    var id: Int?
    /// Fields made in Oneflow's UI may have none; they are addressed by `id`.
    var customID: String?
    var name: String
    var description: String?
    var placeholder: String?
    var value: String?

    enum CodingKeys: String, CodingKey {
        case id
        case customID = "custom_id"
        case name, description, placeholder, value
    }

    static func validate(_ inputs: [DataFieldInputRecord]) throws(SandboxProblem) {
        var seen = Set<String>()
        for (index, input) in inputs.enumerated() {
            guard input.customID?.isEmpty == false || input.id != nil else {
                throw .invalid("data_fields[\(index)].custom_id", "Required unless the field's id is given.")
            }
            if let customID = input.customID, !seen.insert(customID).inserted {
                throw .invalid("data_fields[\(index)].custom_id", "Must be unique within the template type.")
            }
            guard !input.name.isEmpty else { throw .invalid("data_fields[\(index)].name", "Required.") }
            // Text values are limited to 1,024 characters (https://developer.oneflow.com/docs/data-field).
            for (field, text) in [("value", input.value), ("description", input.description), ("placeholder", input.placeholder)]
            where (text?.count ?? 0) > 1024 {
                throw .invalid("data_fields[\(index)].\(field)", "Must be at most 1024 characters.")
            }
        }
    }
}

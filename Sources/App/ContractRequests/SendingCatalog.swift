import Foundation
import OneflowAPI
import Vapor

/// What an installation can send a contract with, as Oneflow says now: the user it is sent
/// as, the active templates of our template group in the workspaces that user may create
/// contracts in (each with its delivery channels, sign methods and two-step methods), and our
/// group's data fields. `shared/oneflow-contract-creation.md` §1–§3.
struct SendingCatalog: Sendable {
    struct Sender: Sendable, Equatable {
        var email: String
        var name: String?
    }

    /// A template that may be chosen, and the workspace a contract from it is made in.
    struct Offer: Sendable {
        var template: Template
        var workspaceID: Int
        var workspaceName: String?
        var options: AvailableOptions { template.availableOptions ?? AvailableOptions() }
    }

    var sender: Sender
    var offers: [Offer]
    /// Our template group's data fields, by custom id (the correlation field among them).
    var dataFields: [DataField]
    /// The installation's own fields and where each maps (`FieldSet`): what a request fills.
    var fieldSet: FieldSet
    /// The installation's saved defaults (`SendingSettings`), if any.
    var settings: SendingSettings.Values? = nil
    /// The account's active users (email → name): who may be on our side of a contract.
    var users: [String: String] = [:]

    /// The account's active user with this email (emails compare without case), as Oneflow spells it.
    func user(_ email: String) -> (email: String, name: String)? {
        users.first { $0.key.caseInsensitiveCompare(email) == .orderedSame }.map { ($0.key, $0.value) }
    }

    /// A template of ours, in the given workspace when one is named.
    func offer(templateID: Int) -> Offer? { offers.first { $0.template.id == templateID } }

    /// The default: the saved template while Oneflow still offers it, else the first template
    /// of ours in the first workspace that has one.
    var defaultOffer: Offer? { settings?.templateID.flatMap(offer(templateID:)) ?? offers.first }

    func hasField(_ customID: String) -> Bool { dataFields.contains { $0.customID == customID } }

    /// The installation's active fields a request can fill: mapped to an HR field, and on the group.
    var fillable: [(field: FieldSet.Field, hrKey: String)] {
        fieldSet.active.compactMap { field in field.mapsTo.flatMap { hasField(field.customID) ? (field, $0) : nil } }
    }
}

extension SendingCatalog {
    /// The active templates of group `typeID` in the helper's answer, each with its workspace.
    static func offers(in workspaces: [WorkspaceTemplates], typeID: Int) -> [Offer] {
        workspaces.flatMap { workspace in
            workspace.templates.filter { $0.templateType?.id == typeID && $0.active != false }.map {
                Offer(template: $0, workspaceID: workspace.id, workspaceName: workspace.name)
            }
        }
    }

    /// Who contracts are sent as: the saved sender (still an active user), else
    /// `oneflow.user_email`, else the first active admin with an email, else the first active user.
    static func sender(among users: [User], saved: String?, configured: String?) throws(ContractRequestError) -> Sender {
        let active = users.filter { $0.active != false && !($0.email ?? "").isEmpty }
        func user(_ email: String) -> User? { active.first { $0.email?.caseInsensitiveCompare(email) == .orderedSame } }
        if let saved {
            guard let match = user(saved) else { throw .senderGone(saved) }
            return Sender(email: saved, name: match.name)
        }
        if let configured { return Sender(email: configured, name: user(configured)?.name) }
        guard let first = active.first(where: { $0.role == "admin" }) ?? active.first, let email = first.email else { throw .noSender }
        return Sender(email: email, name: first.name)
    }
}

/// Reads an installation's `SendingCatalog` from Oneflow (`load`), kept for a minute per
/// installation: a burst of requests asks Oneflow once (the first load is shared by those
/// that come while it runs).
actor SendingCatalogs {
    private var cached: [UUID: (catalog: SendingCatalog, until: Date)] = [:]
    private var loading: [UUID: Task<SendingCatalog, any Error>] = [:]
    /// Bumped by `forget`: a load begun before it is not kept.
    private var generation: [UUID: Int] = [:]
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 60) { self.lifetime = lifetime }

    func catalog(for installationID: UUID, now: Date, load: @escaping @Sendable () async throws -> SendingCatalog) async throws -> SendingCatalog {
        if let hit = cached[installationID], hit.until > now { return hit.catalog }
        if let running = loading[installationID] { return try await running.value }
        let task = Task { try await load() }
        let begun = generation[installationID, default: 0]
        loading[installationID] = task
        defer { if generation[installationID, default: 0] == begun { loading[installationID] = nil } }
        let fresh = try await task.value
        if generation[installationID, default: 0] == begun { cached[installationID] = (fresh, now.addingTimeInterval(lifetime)) }
        return fresh
    }

    /// Drops what is kept: the installation's sending settings changed.
    func forget(_ installationID: UUID) {
        cached[installationID] = nil
        loading[installationID] = nil
        generation[installationID, default: 0] += 1
    }
}

extension Application {
    private struct SendingCatalogsKey: StorageKey { typealias Value = SendingCatalogs }

    /// The process's catalogs, shared by the API and the admin pages.
    var sendingCatalogs: SendingCatalogs {
        if let existing = storage[SendingCatalogsKey.self] { return existing }
        let made = SendingCatalogs()
        storage[SendingCatalogsKey.self] = made
        return made
    }
}

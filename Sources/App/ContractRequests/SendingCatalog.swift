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
    /// The installation's saved defaults (`SendingSettings`), if any.
    var settings: SendingSettings.Values? = nil

    /// A template of ours, in the given workspace when one is named.
    func offer(templateID: Int) -> Offer? { offers.first { $0.template.id == templateID } }

    /// The default: the saved template while Oneflow still offers it, else the first template
    /// of ours in the first workspace that has one.
    var defaultOffer: Offer? { settings?.templateID.flatMap(offer(templateID:)) ?? offers.first }

    func hasField(_ customID: String) -> Bool { dataFields.contains { $0.customID == customID } }
}

/// Reads an installation's `SendingCatalog` from Oneflow (`load`), kept for a minute per
/// installation: a burst of requests asks Oneflow once.
actor SendingCatalogs {
    private var cached: [UUID: (catalog: SendingCatalog, until: Date)] = [:]
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 60) { self.lifetime = lifetime }

    func catalog(for installationID: UUID, now: Date, load: @Sendable () async throws -> SendingCatalog) async throws -> SendingCatalog {
        if let hit = cached[installationID], hit.until > now { return hit.catalog }
        let fresh = try await load()
        cached[installationID] = (fresh, now.addingTimeInterval(lifetime))
        return fresh
    }

    /// Drops what is kept (Oneflow refused something the catalog offered).
    func forget(_ installationID: UUID) { cached[installationID] = nil }
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

import Fluent
import Foundation
import Logging
import OneflowAPI

/// Reads installations' field sets (`FieldSet`): the saved one, else the configured one.
/// Saving one provisions it in Oneflow first (`FieldSetProvisioner`, in `Setup/`).
enum FieldSets {
    /// The installation's set, read on `db`.
    static func one(_ installationID: UUID, config: AppConfig, on db: any Database) async throws -> FieldSet {
        try await of([installationID], config: config, on: db)[installationID] ?? .configured(config)
    }

    /// Each installation's set, one query for all of them.
    static func of(_ installationIDs: Set<UUID>, config: AppConfig, on db: any Database) async throws -> [UUID: FieldSet] {
        guard !installationIDs.isEmpty else { return [:] }
        let rows = try await InstallationDataField.query(on: db).filter(\.$installationID ~~ installationIDs).sort(\.$position).all()
        let saved = Dictionary(grouping: rows, by: { $0.installationID })
        let configured = FieldSet.configured(config)
        return Dictionary(
            uniqueKeysWithValues: installationIDs.map { id in
                (id, saved[id].map { FieldSet(fields: $0.map(\.field), customized: true) } ?? configured)
            })
    }
}

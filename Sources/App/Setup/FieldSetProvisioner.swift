import Fluent
import Foundation
import Logging
import OneflowAPI

/// Saves an installation's new field set (`FieldSet`): checked against the one it replaces
/// (`FieldSetCheck`), provisioned on the template group first — the complete set PUT, as
/// setup does (`DataFieldPlan`) — then stored whole. Nothing is stored when Oneflow refuses.
struct FieldSetProvisioner {
    let services: AppServices
    let db: any Database
    let writer: any DatabaseWriter
    let logger: Logger

    /// Checks `input`, provisions it on the installation's template group, stores it.
    /// Saved sets and re-applies go on the audit trail as done by `actor`.
    func save(_ input: FieldSetInput, for installation: Installation, by actor: AuditLog.Actor) async throws -> FieldSet {
        let installationID = try installation.requireID()
        let config = services.config
        let before = try await FieldSets.one(installationID, config: config, on: db)
        let set = try FieldSetCheck.check(input, replacing: before).get()
        guard installation.status == .active, let typeID = installation.templateTypeID,
            let token = try InstallationSecrets(box: services.secretBox).token(of: installation)
        else { throw FieldSetError.notConnected }
        let credentials = OneflowCredentials(token: token, userEmail: config.oneflow.userEmail)
        try await provision(set, installation: installation, credentials: credentials, typeID: typeID)
        // Stored only if no other save came between the read above and here (the Oneflow call
        // is not made under the installation's lock: on SQLite that would hold every write).
        let stored = try await writer.transaction(.background) { tx -> FieldSet? in
            try await InstallationLock.acquire(installationID, on: tx)
            let now = try await FieldSets.one(installationID, config: config, on: tx)
            guard now == before else { return now }
            try await InstallationDataField.query(on: tx).filter(\.$installationID == installationID).delete()
            for (position, field) in set.fields.enumerated() {
                try await InstallationDataField(installationID: installationID, position: position, field: field).create(on: tx)
            }
            return nil
        }
        if let other = stored {
            // The other save's set is the stored one: the group is made to match it again.
            try? await provision(other, installation: installation, credentials: credentials, typeID: typeID)
            throw FieldSetError.changedMeanwhile
        }
        await services.audit(on: db, logger: logger).record(
            .dataFieldsSaved, by: actor, installation: installationID,
            detail: "\(set.active.count) in use, \(set.fields.count - set.active.count) retired")
        return set
    }

    /// "Re-apply to existing employees" (`FieldReapply`), audited. - Returns: the contracts to read again.
    func reapply(_ installation: Installation, by actor: AuditLog.Actor) async throws -> Int {
        guard installation.status == .active else { throw FieldSetError.notConnected }
        let (id, now) = (try installation.requireID(), services.clock.now)
        let contracts = try await writer.transaction(.background) { tx in try await FieldReapply.start(id, now: now, on: tx) }
        await services.audit(on: db, logger: logger).record(.dataFieldsReapplied, by: actor, installation: id, detail: "\(contracts) contracts")
        return contracts
    }

    /// The complete set on the group: our fields (`FieldSet.provisioned`, with the correlation
    /// field), and every other field already there, unchanged.
    /// https://developer.oneflow.com/docs/manage-template-type-data-fields
    private func provision(_ set: FieldSet, installation: Installation, credentials: OneflowCredentials, typeID: Int) async throws {
        let caller = InstallationCaller(writer: writer, logger: logger, clock: services.clock, oneflow: services.oneflow)
        let oneflow = services.oneflow
        do {
            let existing =
                try await caller.call(installation, credentials) { try await oneflow.templateType(credentials, id: typeID) }.dataFields ?? []
            let planned = set.plan(existing: existing)
            guard !DataFieldPlan.isSatisfied(planned, by: existing) else { return }
            let fields = try await caller.call(installation, credentials) {
                try await oneflow.replaceDataFields(credentials, templateTypeID: typeID, planned)
            }
            logger.info("data fields: set provisioned", metadata: ["template_type_id": "\(typeID)", "count": "\(fields.count)"])
        } catch let error as OneflowError {
            if error.isUnauthorized { throw FieldSetError.notConnected }
            throw FieldSetError.oneflowUnavailable(error.description)
        }
    }
}

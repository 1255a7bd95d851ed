import Fluent
import Foundation
import Vapor

/// `GET` and `PUT /api/v1/installations/{id}/data-fields`: an installation's data fields and
/// where each maps (`FieldSet`). An installation's own key reads its set; changing it takes an
/// operator key (a saved set is provisioned on the customer's template group in Oneflow).
struct FieldSetAPIController: RouteCollection {
    let services: AppServices
    /// After a save: what this process keeps of the installation's fields is dropped (the
    /// sending catalogs; other processes' expire within their minute).
    let saved: @Sendable (UUID) async -> Void

    func boot(routes: any RoutesBuilder) throws {
        let fields = routes.grouped("installations", ":id", "data-fields")
        fields.get(use: show)
        // A whole set: up to 100 fields in use (and retired ones), each with texts of up to 1,024 characters.
        fields.on(.PUT, body: .collect(maxSize: "512kb"), use: save).bodyLimit("512kb")
        fields.post("reapply", use: reapply)
    }

    struct ReapplyJSON: Content {
        var installation_id: UUID
        /// The installation's contracts, read again from Oneflow a few at a time.
        var contracts: Int
    }

    /// "Re-apply to existing employees": its contracts read again with the mapping as it is now.
    @Sendable func reapply(req: Request) async throws -> Response {
        guard req.apiScope == .operator else {
            throw Abort(.forbidden, reason: "Data fields are re-applied with an operator key (api.keys), not an installation's key.")
        }
        let installation = try await Self.installation(req)
        let contracts = try await fieldSets(req).reapply(installation, by: Self.operatorKey)
        return try await ReapplyJSON(installation_id: try installation.requireID(), contracts: contracts).encodeResponse(status: .accepted, for: req)
    }

    @Sendable func show(req: Request) async throws -> FieldSetJSON {
        let installation = try await Self.installation(req)
        let id = try installation.requireID()
        return FieldSetJSON(installationID: id, try await FieldSets.one(id, config: services.config, on: req.db))
    }

    @Sendable func save(req: Request) async throws -> FieldSetJSON {
        guard req.apiScope == .operator else {
            throw Abort(.forbidden, reason: "Data fields are changed with an operator key (api.keys), not an installation's key.")
        }
        let installation = try await Self.installation(req)
        guard req.headers.contentType == .json else {
            throw Abort(.unsupportedMediaType, reason: "Send JSON: {\"fields\": [{\"custom_id\": …, \"name\": …, \"maps_to\": …}, …]}.")
        }
        let input: FieldSetInput
        do {
            input = try req.content.decode(FieldSetInput.self)
        } catch {
            throw FieldSetError.unreadable(ErrorText.log(error))
        }
        let id = try installation.requireID()
        let set = try await fieldSets(req).save(input, for: installation, by: Self.operatorKey)
        await saved(id)
        return FieldSetJSON(installationID: id, set)
    }

    /// Who the audit trail says acted: an operator key (`api.keys` have no names).
    private static let operatorKey = AuditLog.Actor.apiKey(name: "operator api key")

    /// The installation the path names, if the key may see it (another's is 404, as if absent).
    static func installation(_ req: Request) async throws -> Installation {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), req.mayRead(installation: id),
            let installation = try await Installation.find(id, on: req.db)
        else { throw Abort(.notFound, reason: "No such installation.") }
        return installation
    }

    private func fieldSets(_ req: Request) -> FieldSetProvisioner {
        FieldSetProvisioner(services: services, db: req.db, writer: services.storage.writer(on: req.db), logger: req.logger)
    }
}

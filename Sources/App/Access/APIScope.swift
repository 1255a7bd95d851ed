import Foundation
import OneflowAPI
import Vapor

/// What a request's API key may see (set by `APIKeyMiddleware`).
enum APIScope: Sendable, Equatable {
    /// A key from `api.keys`: every installation; a request may narrow it with `?installation_id=`.
    case `operator`
    /// A scoped key (`APIKey`): its installation only. Another installation's records answer
    /// 404, as if absent.
    case installation(UUID)
}

extension Request {
    private struct APIScopeKey: StorageKey { typealias Value = APIScope }

    /// The API key's scope (`APIKeyMiddleware`; the admin pages read as the operator).
    /// Without one nothing is readable.
    var apiScope: APIScope? {
        get { storage[APIScopeKey.self] }
        set { storage[APIScopeKey.self] = newValue }
    }

    /// The one installation this request's records come from, nil for all: a scoped key's
    /// own, or the operator's `?installation_id=`. A scoped key naming another installation
    /// finds nothing there (404).
    func installationFilter() throws -> UUID? {
        let named: UUID?
        if let text = query[String.self, at: "installation_id"] {
            guard let id = UUID(uuidString: text) else { throw Abort(.badRequest, reason: "installation_id must be an installation's id (a UUID).") }
            named = id
        } else {
            named = nil
        }
        switch apiScope {
        case .`operator`: return named
        case .installation(let own):
            if let named, named != own { throw Abort(.notFound, reason: "No such installation.") }
            return own
        case nil: throw APIKeyMiddleware.unauthorized
        }
    }

    /// Whether this request's key may see records of `installationID`.
    func mayRead(installation installationID: UUID) -> Bool {
        switch apiScope {
        case .`operator`: true
        case .installation(let own): own == installationID
        case nil: false
        }
    }
}

/// `Authorization: Bearer <key>`: one of `api.keys` (compared in constant time) is the
/// operator's; a live scoped key (`APIKeys.find`) reads its installation only. A revoked or
/// unknown key, or a key of a disconnected installation, is 401.
struct APIKeyMiddleware: AsyncMiddleware {
    let operatorKeys: [String]
    let storage: AppStorage
    let clock: any AppClock

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization?.token else { throw Self.unauthorized }
        if operatorKeys.reduce(false, { found, key in ConstantTime.equals(key, bearer) || found }) {
            request.apiScope = .`operator`
            return try await next.respond(to: request)
        }
        let keys = APIKeys(db: request.db, writer: storage.writer(on: request.db), clock: clock)
        guard let key = try await keys.find(bearer) else { throw Self.unauthorized }
        request.apiScope = .installation(key.$installation.id)
        await keys.touch(key)
        return try await next.respond(to: request)
    }

    static let unauthorized = Abort(
        .unauthorized, headers: ["WWW-Authenticate": "Bearer"],
        reason:
            "A valid API key is required: Authorization: Bearer <key> (an operator key from api.keys, or an installation's key from its admin page).")
}

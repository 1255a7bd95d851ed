import Fluent
import Foundation
import Vapor

/// `POST /api/v1/connect-links` and `GET /api/v1/connect-links/{id}`: the HR system (an
/// operator key) asks for a one-time link to connect one of its customers' Oneflow accounts,
/// and later looks up which installation it connected (`ConnectLink`, `setup.accept = link`).
struct ConnectLinkAPIController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "connect-links", body: .collect(maxSize: "4kb"), use: create)
        routes.get("connect-links", ":id", use: show)
    }

    struct CreateRequest: Content {
        var customer_reference: String
    }

    /// A link as the API shows it; `url` only in the answer that made it.
    struct LinkJSON: Content {
        var id: UUID
        var customer_reference: String
        /// open, used or expired.
        var state: String
        var created_at: String
        var expires_at: String
        var used_at: String?
        var url: String?
        /// The installation its setup connected (once used).
        var installation: InstallationReference?
    }

    @Sendable func create(req: Request) async throws -> Response {
        try Self.requireOperator(req)
        guard req.headers.contentType == .json else { throw Abort(.unsupportedMediaType, reason: "Send JSON: {\"customer_reference\": \"…\"}.") }
        let body: CreateRequest
        do {
            body = try req.content.decode(CreateRequest.self)
        } catch {
            throw Abort(.unprocessableEntity, reason: "customer_reference (a string) is required.")
        }
        let creator = "operator api key"
        do {
            let (link, secret) = try await links(req).create(customerReference: body.customer_reference, by: creator)
            await services.audit(on: req.db, logger: req.logger).record(
                .connectLinkCreated, by: .apiKey(name: creator), installation: nil, subject: link.id?.uuidString,
                detail: "valid \(services.config.setup.linkValidHours) h")
            var json = try await Self.json(link, now: services.clock.now, on: req.db)
            json.url = services.config.publicBaseURL + "/setup/link/" + secret
            let response = try await json.encodeResponse(status: .created, for: req)
            response.headers.replaceOrAdd(name: .location, value: "/api/v1/connect-links/\(try link.requireID())")
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        } catch let refusal as ConnectLinks.Refusal {
            throw Abort(.unprocessableEntity, reason: refusal.description)
        }
    }

    @Sendable func show(req: Request) async throws -> LinkJSON {
        try Self.requireOperator(req)
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let link = try await ConnectLink.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such connection link.")
        }
        return try await Self.json(link, now: services.clock.now, on: req.db)
    }

    /// Links connect new customers: the operator's business, not one installation's.
    private static func requireOperator(_ req: Request) throws {
        guard req.apiScope == .operator else {
            throw Abort(.forbidden, reason: "Connection links are made with an operator key (api.keys), not an installation's key.")
        }
    }

    private func links(_ req: Request) -> ConnectLinks {
        services.connectLinks(on: req.db)
    }

    static func json(_ link: ConnectLink, now: Date, on db: any Database) async throws -> LinkJSON {
        let installation = if let id = link.installationID { try await Installation.find(id, on: db) } else { Installation?.none }
        return LinkJSON(
            id: try link.requireID(), customer_reference: link.customerReference, state: link.state(at: now).rawValue,
            created_at: link.createdAt.formatted(.iso8601), expires_at: link.expiresAt.formatted(.iso8601), used_at: link.usedAt?.formatted(.iso8601),
            url: nil, installation: try installation.map(InstallationReference.init))
    }
}

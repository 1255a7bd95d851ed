import Foundation
import OneflowAPI
import Vapor

/// The sandbox's pages for people: the Marketplace with our extension card, the account
/// page (Oneflow's admin settings: workspaces, users, templates, the plan), the contracts
/// page (create from a template group, then publish, sign, decline, delete), the employee's
/// view of one contract (sign or decline) and the webhook deliveries log. They play
/// Oneflow's web app, so they carry no CSRF protection of ours; they exist only when the
/// sandbox is on.
struct SandboxPagesController: RouteCollection {
    let store: SandboxStore
    let configuration: Sandbox.Configuration

    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: marketplace)
        routes.post("marketplace", "enable", use: enable)
        routes.get("contracts", use: contracts)
        routes.post("contracts", use: createContract)
        routes.post("contracts", ":id", ":action", use: act)
        routes.get("contracts", ":id", use: contract)
        routes.post("contracts", ":id", "participants", ":participant", "sign", use: signAsParticipant)
        routes.post("contracts", ":id", "participants", ":participant", "decline", use: declineAsParticipant)
        routes.get("account", use: account)
        routes.post("account", "workspaces", use: addWorkspace)
        routes.post("account", "users", use: addUser)
        routes.post("account", "templates", use: addTemplate)
        routes.post("account", "publishing", use: setPublishing)
        routes.get("deliveries", use: deliveries)
    }

    struct MarketplacePage: Encodable {
        struct AccountRow: Encodable {
            var id: Int
            var name: String
            var selected: Bool
        }
        var title = "Sandbox Marketplace"
        var accounts: [AccountRow]
        var setupURL: String
    }

    @Sendable func marketplace(req: Request) async throws -> View {
        let accounts = await store.accounts()
        return try await req.view.render(
            "sandbox/marketplace",
            MarketplacePage(
                accounts: accounts.enumerated().map { .init(id: $1.id, name: $1.name, selected: $0 == accounts.count - 1) },
                setupURL: configuration.setupURL))
    }

    /// "Enable extension": an account (new, or the chosen one) gets a fresh extension token
    /// and the browser goes to our Setup URL with it, as Oneflow's automatic setup does.
    @Sendable func enable(req: Request) async throws -> Response {
        struct Form: Content {
            var account: String?
            var name: String?
        }
        let form = try req.content.decode(Form.self)
        let token: String
        if let id = form.account.flatMap(Int.init) {
            token = try await store.mintToken(accountID: id)
        } else {
            token = await store.createAccount(name: form.name).1
        }
        guard var components = URLComponents(string: configuration.setupURL) else { throw Abort(.internalServerError, reason: "Bad setup URL") }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: configuration.tokenParameter, value: token)]
        return req.redirect(to: components.string ?? configuration.setupURL, redirectType: .normal)
    }

    @Sendable func deliveries(req: Request) async throws -> View {
        struct Row: Encodable {
            var id: Int
            var contractID: Int
            var events: String
            var url: String
            var status: String
            var attempts: [Attempt]
        }
        struct Attempt: Encodable {
            var number: Int
            var at: String
            var result: String
            var duration: String
            var ok: Bool
        }
        struct Page: Encodable {
            var title = "Webhook deliveries"
            var deliveries: [Row]
        }
        let rows = await store.deliveries().reversed().prefix(200).map { d in
            Row(
                id: d.id, contractID: d.contractID, events: d.events.map(\.type).joined(separator: ", "), url: d.callbackURL,
                status: d.status,
                attempts: d.attempts.map {
                    Attempt(
                        number: $0.number, at: OneflowDate.format($0.startedAt), result: $0.status.map { "HTTP \($0)" } ?? ($0.error ?? "no answer"),
                        duration: String(format: "%.0f ms", $0.durationMilliseconds), ok: $0.status == 200)
                })
        }
        return try await req.view.render("sandbox/deliveries", Page(deliveries: Array(rows)))
    }
}

import Foundation
import Vapor

/// `/v1/webhooks`: list, get (both showing `sign_key`, as Oneflow does), create, update, delete.
/// https://developer.oneflow.com/docs/webhook, https://developer.oneflow.com/reference/create-a-webhook
struct SandboxWebhooksController: RouteCollection {
    let store: SandboxStore

    /// Event types a filter may name: Oneflow's documented table plus the triggers of its
    /// Power Platform connector. https://developer.oneflow.com/docs/webhook-type
    static let knownEventTypes: Set<String> = [
        "contract:content_update", "contract:decline", "contract:delete", "contract:lifecycle_state:cancel",
        "contract:lifecycle_state:end", "contract:lifecycle_state:new_period", "contract:lifecycle_state:start",
        "contract:lifecycle_state:terminate", "contract:publish", "contract:sign", "contract:signature_reset",
        "contract:signing_period_expire", "contract:signing_period_revive", "data_field:update",
        "participant:first_visit", "participant:sign", "participant:create", "participant:decline", "participant:delete",
    ]

    func boot(routes: any RoutesBuilder) throws {
        let hooks = routes.grouped("webhooks")
        hooks.get { req in
            let (offset, limit) = try req.paging()
            let all = await store.webhooks(accountID: try req.sandboxAccount.id).map(SandboxJSON.Webhook.init)
            return SandboxJSON.page(all, offset: offset, limit: limit, request: req)
        }
        hooks.get(":id") { req in
            SandboxJSON.Webhook(try await store.webhook(accountID: try req.sandboxAccount.id, id: try req.intParameter("id")))
        }
        hooks.post { req in
            SandboxJSON.Webhook(try await store.createWebhook(accountID: try req.sandboxAccount.id, try Self.input(req)))
        }
        hooks.put(":id") { req in
            SandboxJSON.Webhook(
                try await store.updateWebhook(accountID: try req.sandboxAccount.id, id: try req.intParameter("id"), try Self.input(req)))
        }
        hooks.delete(":id") { req -> [String: String] in
            try await store.deleteWebhook(accountID: try req.sandboxAccount.id, id: try req.intParameter("id"))
            return [:]
        }
    }

    struct Body: Content {
        var callback_url: String?
        var sign_key: String?
        var template_group_id: Int?
        var filters: [SandboxJSON.Filter]?
    }

    /// Validates the create/update body with the documented rules.
    static func input(_ req: Request) throws -> WebhookInputRecord {
        let body = try req.content.decode(Body.self)
        guard let url = body.callback_url, !url.isEmpty else { throw SandboxProblem.invalid("callback_url", "Required.") }
        guard url.count <= 1000 else { throw SandboxProblem.invalid("callback_url", "Must be at most 1000 characters.") }
        guard isAllowedCallback(url) else {
            throw SandboxProblem.invalid("callback_url", "Must be an HTTPS URL (the sandbox also accepts HTTP on loopback hosts).")
        }
        var filters: [FilterRecord] = []
        for (i, filter) in (body.filters ?? []).enumerated() {
            guard (1...2).contains(filter.filter_rules.count) else {
                throw SandboxProblem.invalid("filters[\(i)].filter_rules", "Must contain 1 or 2 rules.")
            }
            var rules: [RuleRecord] = []
            for (j, rule) in filter.filter_rules.enumerated() {
                let name = "filters[\(i)].filter_rules[\(j)]"
                guard ["EVENT_TYPE", "WORKSPACE"].contains(rule.type) else {
                    throw SandboxProblem.invalid("\(name).type", "Must be EVENT_TYPE or WORKSPACE.")
                }
                guard (1...50).contains(rule.values.count) else { throw SandboxProblem.invalid("\(name).values", "Must contain 1 to 50 values.") }
                if rule.type == "EVENT_TYPE", let unknown = rule.values.map(\.text).first(where: { !knownEventTypes.contains($0) }) {
                    throw SandboxProblem.invalid("\(name).values", "Unknown event type \(unknown).")
                }
                rules.append(RuleRecord(type: rule.type, values: rule.values.map(\.text)))
            }
            filters.append(FilterRecord(rules: rules))
        }
        return WebhookInputRecord(callbackURL: url, signKey: body.sign_key, templateGroupID: body.template_group_id, filters: filters)
    }

    /// HTTPS anywhere (https://developer.oneflow.com/docs/getting-started-with-webhooks);
    /// plain HTTP only to this machine, so a local HR Bridge can be the target.
    static func isAllowedCallback(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
            return false
        }
        if scheme == "https" { return true }
        let loopback = host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
        return scheme == "http" && loopback
    }
}

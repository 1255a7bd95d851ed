import Foundation
import Vapor

/// `/sandbox/control`: a JSON API for tests and scripts to play the Oneflow side — make
/// accounts and contracts, move contracts through their states, read the delivery log,
/// inject faults. Not part of Oneflow's API.
struct SandboxControlController: RouteCollection {
    let store: SandboxStore
    let faults: FaultInjector
    let rateLimiter: SandboxRateLimiter
    let engine: DeliveryEngine

    struct AccountOut: Content {
        var account_id: Int
        var token: String
        var name: String
        var user_emails: [String]
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.post("accounts") { req in
            let body = try? req.content.decode([String: String].self)
            let (account, token) = await store.createAccount(name: body?["name"])
            return AccountOut(account_id: account.id, token: token, name: account.name, user_emails: account.userEmails)
        }
        routes.get("accounts") { _ in
            await store.accounts().map { AccountOut(account_id: $0.id, token: $0.tokens.last ?? "", name: $0.name, user_emails: $0.userEmails) }
        }
        routes.post("accounts", ":id", "revoke") { req -> HTTPStatus in
            try await store.revokeTokens(accountID: try req.intParameter("id"))
            return .noContent
        }
        routes.post("template_types", use: createTemplateType)
        try routes.register(collection: SandboxDirectoryControl(store: store))
        routes.post("contracts", use: createContract)
        routes.post("contracts", ":id", "data_fields", use: updateDataFields)
        routes.post("contracts", ":id", ":action", use: act)
        routes.get("deliveries") { _ in await store.deliveries().map(DeliveryOut.init) }
        routes.post("deliveries", "run") { _ in ["sent": await engine.runDue()] }
        routes.get("faults") { _ in await faults.all() }
        routes.post("faults") { req -> HTTPStatus in
            await faults.add(try req.content.decode(FaultInjector.Rule.self))
            return .created
        }
        routes.delete("faults") { _ -> HTTPStatus in
            await faults.clear()
            return .noContent
        }
        routes.get("rate-limit") { _ in RateLimitBody(await rateLimiter.limit) }
        // Sets the calls per token per window (0: off) and starts every window afresh.
        routes.put("rate-limit") { req -> RateLimitBody in
            let body = try req.content.decode(RateLimitBody.self)
            guard body.calls >= 0, (1...86_400).contains(body.window_seconds) else {
                throw Abort(.badRequest, reason: "calls must be 0 or more, window_seconds 1–86400.")
            }
            await rateLimiter.set(SandboxRateLimit(calls: body.calls, window: .seconds(body.window_seconds)))
            return body
        }
    }

    struct RateLimitBody: Content {
        var calls: Int
        var window_seconds: Int

        init(_ limit: SandboxRateLimit) {
            calls = limit.calls
            window_seconds = Int(limit.window.components.seconds)
        }
    }

    struct TemplateTypeIn: Content {
        var token: String?
        var name: String
        var description: String?
        var extension_type: String?
    }

    /// Template types "made outside our extension", e.g. another integration's group.
    @Sendable func createTemplateType(req: Request) async throws -> SandboxJSON.TemplateType {
        let body = try req.content.decode(TemplateTypeIn.self)
        let account = try await store.account(authorizedBy: body.token)
        return SandboxJSON.TemplateType(
            try await store.createTemplateType(
                accountID: account.id, name: body.name, description: body.description ?? "", extensionType: body.extension_type))
    }

    struct ContractIn: Content {
        var token: String?
        var template_type_id: Int
        var employee: EmployeeInput
        var data_fields: [String: String]?
        var name: String?
    }

    @Sendable func createContract(req: Request) async throws -> SandboxJSON.Contract {
        let body = try req.content.decode(ContractIn.self)
        let account = try await store.account(authorizedBy: body.token)
        return SandboxJSON.Contract(
            try await store.createContract(
                accountID: account.id, templateTypeID: body.template_type_id, employee: body.employee, values: body.data_fields ?? [:],
                name: body.name))
    }

    @Sendable func act(req: Request) async throws -> SandboxJSON.Contract {
        guard let action = req.parameters.get("action").flatMap(ContractAction.init(rawValue:)) else {
            let known = ContractAction.allCases.map(\.rawValue).joined(separator: ", ")
            throw SandboxProblem.invalid("action", "Must be one of \(known).")
        }
        let id = try req.intParameter("id")
        guard let accountID = await store.accountID(ofContract: id) else { throw SandboxProblem.notFound("The contract") }
        return SandboxJSON.Contract(try await store.apply(action, accountID: accountID, contractID: id))
    }

    @Sendable func updateDataFields(req: Request) async throws -> SandboxJSON.Contract {
        let values = try req.content.decode([String: [String: String]].self)["data_fields"] ?? [:]
        let id = try req.intParameter("id")
        guard let accountID = await store.accountID(ofContract: id) else { throw SandboxProblem.notFound("The contract") }
        let contract = try await store.contract(accountID: accountID, id: id)
        for key in values.keys.sorted() where !contract.dataFields.contains(where: { $0.customID == key }) {
            throw SandboxProblem.invalid("data_fields.\(key)", "No such data field in the contract.")
        }
        let items = values.sorted { $0.key < $1.key }.map { DataFieldUpdateBody(customID: $0.key, value: $0.value) }
        return SandboxJSON.Contract(try await store.updateDataFields(accountID: accountID, contractID: id, items))
    }

    struct DeliveryOut: Content {
        struct Attempt: Content {
            var number: Int
            /// Times are Unix seconds with fractions, so tests can compare them precisely.
            var scheduled_at: Double
            var started_at: Double
            var status: Int?
            var duration_ms: Double
            var error: String?
        }
        var id: Int
        var webhook_id: Int
        var account_id: Int
        var callback_url: String
        var callback_id: String
        var contract_id: Int
        var event_types: [String]
        var status: String
        var next_attempt_at: Double?
        var attempts: [Attempt]

        init(_ r: DeliveryRecord) {
            (id, webhook_id, account_id, callback_url, callback_id) = (r.id, r.webhookID, r.accountID, r.callbackURL, r.callbackID)
            (contract_id, event_types, status) = (r.contractID, r.events.map(\.type), r.status)
            next_attempt_at = r.nextAttemptAt?.timeIntervalSince1970
            attempts = r.attempts.map {
                Attempt(
                    number: $0.number, scheduled_at: $0.scheduledAt.timeIntervalSince1970, started_at: $0.startedAt.timeIntervalSince1970,
                    status: $0.status,
                    duration_ms: $0.durationMilliseconds, error: $0.error)
            }
        }
    }
}

extension SandboxStore {
    func accountID(ofContract id: Int) -> Int? {
        state.contracts.first { $0.id == id }?.accountID
    }
}

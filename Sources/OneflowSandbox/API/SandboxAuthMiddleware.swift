import Vapor

/// Authenticates a sandbox API call as Oneflow does: `x-oneflow-api-token` must be a token
/// of an account (else 401 with Oneflow's error body); `x-oneflow-user-email`, when sent,
/// must be an active user of that account (else 401).
/// https://developer.oneflow.com/docs/authentication-and-authorization
/// Injected faults (see `FaultInjector`) answer before authentication, like an outage would.
/// A token's calls past Oneflow's rate limit are answered 429 (`SandboxRateLimiter`).
struct SandboxAuthMiddleware: AsyncMiddleware {
    let store: SandboxStore
    let faults: FaultInjector
    let rateLimiter: SandboxRateLimiter

    struct AccountKey: StorageKey { typealias Value = AccountRecord }
    struct ActingKey: StorageKey { typealias Value = Acting }

    /// Who a call acts as: without `x-oneflow-user-email`, Oneflow's "anonymous admin user"
    /// (https://developer.oneflow.com/docs/authentication-and-authorization); `__CREATOR__`
    /// stands for the creator of the contract the call is about ([K] Oneflow's Power Platform connector).
    enum Acting: Sendable {
        case anonymousAdmin
        case user(UserRecord)
        case creator

        static let creatorValue = "__CREATOR__"
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = String(request.url.path.split(separator: "/v1", maxSplits: 1).last ?? "")
        if let fault = await faults.take(method: request.method.rawValue, path: path) {
            let detail = fault.status == .tooManyRequests ? SandboxProblem.tooManyRequests.detail : "Injected fault."
            // A gateway that fails after Oneflow did the work: the caller cannot tell it happened.
            // With a 2xx status the real answer goes out, late (`delay_ms`): a window in which
            // the work is done and the caller does not know yet.
            let done = fault.afterHandling ? try? await authenticated(request, chainingTo: next) : nil
            if fault.delayMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(fault.delayMilliseconds)) }
            if fault.afterHandling, fault.status.code < 300, let done { return done }
            return SandboxProblem(status: fault.status, detail: detail).response()
        }
        return try await authenticated(request, chainingTo: next)
    }

    private func authenticated(_ request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let token = request.headers.first(name: "x-oneflow-api-token"), let account = await store.account(token: token) else {
            throw SandboxProblem.unauthorized
        }
        guard await rateLimiter.admit(token: token) else { throw SandboxProblem.tooManyRequests }
        switch request.headers.first(name: "x-oneflow-user-email") {
        case nil, "": request.storage[ActingKey.self] = .anonymousAdmin
        case Acting.creatorValue: request.storage[ActingKey.self] = .creator
        case let email?:
            guard let user = account.user(email: email) else {
                throw SandboxProblem(status: .unauthorized, detail: "The user email is not an active user in the account of the API token.")
            }
            request.storage[ActingKey.self] = .user(user)
        }
        request.storage[AccountKey.self] = account
        return try await next.respond(to: request)
    }
}

extension Request {
    /// The account the sandbox call is authenticated as.
    var sandboxAccount: AccountRecord {
        get throws {
            guard let account = storage[SandboxAuthMiddleware.AccountKey.self] else { throw SandboxProblem.unauthorized }
            return account
        }
    }

    /// The user a call about no particular contract acts as; nil for the anonymous admin.
    /// `__CREATOR__` means nothing here.
    func actingUser() throws -> UserRecord? {
        switch storage[SandboxAuthMiddleware.ActingKey.self] ?? .anonymousAdmin {
        case .anonymousAdmin: return nil
        case .user(let user): return user
        case .creator:
            throw SandboxProblem.invalid("x-oneflow-user-email", "__CREATOR__ applies only to calls about an existing contract.")
        }
    }

    /// The user a call that changes `contract` acts as, who must have create rights in its
    /// workspace (403 otherwise); `__CREATOR__` is the user who created it.
    func actingUser(on contract: ContractRecord) throws -> UserRecord? {
        let account = try sandboxAccount
        let user: UserRecord?
        switch storage[SandboxAuthMiddleware.ActingKey.self] ?? .anonymousAdmin {
        case .anonymousAdmin: return nil
        case .user(let named): user = named
        case .creator:
            guard let email = contract.creatorEmail, let creator = account.user(email: email) else {
                throw SandboxProblem(status: .unauthorized, detail: "The contract's creator is not an active user in the account.")
            }
            user = creator
        }
        // Seeing the workspace is not enough to change its contracts: that takes create rights.
        guard let user, user.grant(contract.workspaceID)?.canCreate == true else {
            throw SandboxProblem(status: .forbidden, detail: "The user may not change contracts in the contract's workspace.")
        }
        return user
    }

    /// `offset` and `limit` within Oneflow's bounds (limit 1–100, default 100; offset ≤ 19,900).
    /// https://developer.oneflow.com/docs/pagination
    func paging() throws(SandboxProblem) -> (offset: Int, limit: Int) {
        let limitText = query[String.self, at: "limit"]
        let offsetText = query[String.self, at: "offset"]
        guard let limit = limitText.map({ Int($0) }) ?? 100, (1...100).contains(limit) else {
            throw .invalid("limit", "Must be an integer between 1 and 100.")
        }
        guard let offset = offsetText.map({ Int($0) }) ?? 0, (0...19_900).contains(offset) else {
            throw .invalid("offset", "Must be an integer between 0 and 19900.")
        }
        return (offset, limit)
    }
}

/// Faults tests ask for: the next `count` calls matching method and path answer `status`,
/// before the call is handled (an outage), or after it (`"after": true`: the work is done, and
/// the answer lost — as when a gateway times out while Oneflow completes the call; with a 2xx
/// status the real answer, late). `delay_ms` holds the answer back.
actor FaultInjector {
    struct Rule: Content {
        var method: String?
        /// Matched against the path after `/v1`, as a prefix (`/template_types`).
        var path: String
        var status: Int
        var count: Int
        var after: Bool?
        /// The answer waits this long.
        var delay_ms: Int?
    }

    struct Fault {
        var status: HTTPResponseStatus
        var afterHandling: Bool
        var delayMilliseconds: Int
    }

    private var rules: [Rule] = []

    func add(_ rule: Rule) { rules.append(rule) }
    func clear() { rules.removeAll() }
    func all() -> [Rule] { rules }

    func take(method: String, path: String) -> Fault? {
        guard let index = rules.firstIndex(where: { ($0.method == nil || $0.method == method) && path.hasPrefix($0.path) && $0.count > 0 }) else {
            return nil
        }
        rules[index].count -= 1
        let rule = rules[index]
        if rules[index].count == 0 { rules.remove(at: index) }
        return Fault(
            status: HTTPResponseStatus(statusCode: rule.status), afterHandling: rule.after ?? false,
            delayMilliseconds: min(max(rule.delay_ms ?? 0, 0), 120_000))
    }
}

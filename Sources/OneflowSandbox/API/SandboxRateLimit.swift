import Foundation

/// Oneflow's rate limit: a number of calls per API token in a five-minute window; the call
/// past it is answered 429 with error code 4290000, "Too Many Requests", and no rate-limit
/// headers. https://developer.oneflow.com/reference/api-rate-limit; `shared/oneflow-api.md` §7 (two
/// readings were seen: 2,000 calls for all endpoints, or 1,000 per endpoint; the sandbox
/// counts all of a token's calls together).
public struct SandboxRateLimit: Sendable, Equatable {
    /// Calls per token per window; 0 counts nothing (benchmarks that make tens of thousands).
    public var calls: Int
    public var window: Duration

    public init(calls: Int, window: Duration = .seconds(300)) {
        self.calls = calls
        self.window = window
    }

    /// As Oneflow documents it: 2,000 calls per token per five minutes.
    public static let oneflow = SandboxRateLimit(calls: 2000)
    public static let off = SandboxRateLimit(calls: 0)
}

/// Counts each token's calls in fixed windows that start at its first call (Oneflow does not
/// say whether its window is fixed or sliding; a fixed one lets a burst of twice the limit
/// through at a window's edge, which a client that backs off on 429 has to cope with anyway).
actor SandboxRateLimiter {
    private(set) var limit: SandboxRateLimit
    private var windows: [String: (started: ContinuousClock.Instant, calls: Int)] = [:]

    init(_ limit: SandboxRateLimit) { self.limit = limit }

    /// Sets the limit (the control API) and starts every token's window afresh.
    func set(_ limit: SandboxRateLimit) {
        self.limit = limit
        windows = [:]
    }

    /// Counts a call of `token`. - Returns: false when it is over the limit.
    func admit(token: String, now: ContinuousClock.Instant = .now) -> Bool {
        guard limit.calls > 0 else { return true }
        var window = windows[token] ?? (now, 0)
        if now - window.started >= limit.window { window = (now, 0) }
        window.calls += 1
        windows[token] = window
        if windows.count > 10_000 { windows = windows.filter { now - $0.value.started < limit.window } }
        return window.calls <= limit.calls
    }
}

import Foundation
import Synchronization

/// Slows password guessing at the admin sign-in, per client address and for all clients
/// together (a guesser with many addresses). Each counts failures; past `freeFailures` every
/// further failure locks that counter for twice as long as the one before (1 s, 2 s, 4 s …)
/// up to `maxLockout`. While locked, every attempt — right password or not — is answered 429.
/// A success resets the client's counter; a counter with no failure for `maxLockout` starts
/// over. Kept in memory: each process throttles on its own (README, "Admin sign-in").
final class LoginThrottle: Sendable {
    struct Policy: Sendable {
        var freeFailures = 5
        var freeFailuresOverall = 50
        var firstLockout: TimeInterval = 1
        var maxLockout: TimeInterval = 15 * 60
        /// Addresses remembered at most; the oldest are forgotten first.
        var maxClients = 10_000
    }

    private struct Counter {
        var failures = 0
        var lastFailure = Date.distantPast
        var lockedUntil = Date.distantPast
    }

    private struct State {
        var clients: [String: Counter] = [:]
        var overall = Counter()
    }

    let policy: Policy
    private let state = Mutex(State())

    init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Seconds to wait before `client` may try again; nil when it may try now.
    func retryAfter(client: String, now: Date) -> Int? {
        state.withLock { state in
            let until = max(state.clients[client]?.lockedUntil ?? .distantPast, state.overall.lockedUntil)
            return until > now ? Int(until.timeIntervalSince(now).rounded(.up)) : nil
        }
    }

    func failed(client: String, now: Date) {
        state.withLock { state in
            if state.clients[client] == nil, state.clients.count >= policy.maxClients {
                let oldest = state.clients.min { $0.value.lastFailure < $1.value.lastFailure }?.key
                oldest.map { state.clients[$0] = nil }
            }
            count(&state.clients[client, default: Counter()], free: policy.freeFailures, now: now)
            count(&state.overall, free: policy.freeFailuresOverall, now: now)
        }
    }

    func succeeded(client: String) {
        state.withLock { $0.clients[client] = nil }
    }

    private func count(_ counter: inout Counter, free: Int, now: Date) {
        if now.timeIntervalSince(counter.lastFailure) > policy.maxLockout { counter = Counter() }
        counter.failures += 1
        counter.lastFailure = now
        let over = counter.failures - free
        guard over > 0 else { return }
        let lockout = min(policy.firstLockout * pow(2, Double(min(over - 1, 30))), policy.maxLockout)
        counter.lockedUntil = now.addingTimeInterval(lockout)
    }
}

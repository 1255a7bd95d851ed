import Foundation
import Synchronization

/// Slows password guessing at the admin sign-in, per client and for all clients together (a
/// guesser with many addresses). Each counts failures; past its free ones every further
/// failure locks that counter for twice as long as the one before (1 s, 2 s, 4 s …) up to
/// `maxLockout`. While a client's counter is locked, its every attempt — right password or
/// not — is answered 429. The overall lock holds back only clients that have failed
/// themselves, so a spray of guesses from many addresses cannot lock the admin out.
/// A success resets the client's counter; a counter starts over after `quietReset` without a
/// failure (not sooner, or waiting out one lockout would buy a fresh set of free guesses).
/// An IPv6 client is counted by its /64, which one machine usually holds whole.
/// Kept in memory: each process throttles on its own (README, "Admin pages").
final class LoginThrottle: Sendable {
    struct Policy: Sendable {
        var freeFailures = 5
        var freeFailuresOverall = 50
        var firstLockout: TimeInterval = 1
        var maxLockout: TimeInterval = 15 * 60
        var quietReset: TimeInterval = 24 * 3600
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
        let client = Self.key(client)
        return state.withLock { state in
            guard let own = state.clients[client] else { return nil }
            let until = max(own.lockedUntil, state.overall.lockedUntil)
            return until > now ? Int(until.timeIntervalSince(now).rounded(.up)) : nil
        }
    }

    func failed(client: String, now: Date) {
        let client = Self.key(client)
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
        let client = Self.key(client)
        state.withLock { $0.clients[client] = nil }
    }

    /// An IPv4 address as it is; an IPv6 one by its first 64 bits.
    static func key(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        if bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {  // ::ffff:a.b.c.d is IPv4
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { String(format: "%x", Int(bytes[$0]) << 8 | Int(bytes[$0 + 1])) }
            .joined(separator: ":") + "::/64"
    }

    private func count(_ counter: inout Counter, free: Int, now: Date) {
        if now.timeIntervalSince(counter.lastFailure) > policy.quietReset { counter = Counter() }
        counter.failures += 1
        counter.lastFailure = now
        let over = counter.failures - free
        guard over > 0 else { return }
        let lockout = min(policy.firstLockout * pow(2, Double(min(over - 1, 30))), policy.maxLockout)
        counter.lockedUntil = now.addingTimeInterval(lockout)
    }
}

import Synchronization

/// Lets one write transaction of this process at a time reach SQLite; the others wait here,
/// in order, and go on the moment it commits.
///
/// SQLite has one write lock per database file. Without this, two event loops' connections
/// that both want it meet SQLite's busy handler, which puts the loser's thread to sleep for
/// 1, 2, 5, 10… ms and retries (https://www.sqlite.org/c3ref/busy_timeout.html): the lock
/// is often free while the waiter still sleeps, and the sleeping thread holds that loop's
/// only connection. Other processes on the same file (`serve` beside `worker`) still meet
/// the busy handler. PostgreSQL locks rows, not the database: its writers take no gate.
///
/// Acknowledgements go first (`.ack`): a webhook waits for the write in progress, never
/// behind a queue of worker batches, because Oneflow counts its time.
///
/// Where the writes run on a thread of their own (`SQLiteWriteThread`, `on executor`), the
/// thread's task queue is a line of its own, in arrival order: a writer that gets there
/// while the gate is free takes it, whatever waits behind it in that queue. An
/// acknowledgement therefore takes its turn at the gate *before* it moves to the thread, so
/// a worker write that arrives there after it cannot go first; background writes take
/// theirs on the thread, so one hands the gate to the next with no hop in between. (With
/// both on the thread, a batch's four rows writing back to back kept an acknowledgement
/// waiting 10–24 ms behind three or four of them: bench/RESULTS.md, 2026-12-05 (evening).)
///
/// How long each write held the gate goes to `observe` (the App records it as a metric): an
/// acknowledgement's time is mostly its commit and the write it waited for, so a slow disk
/// or a long worker write shows there first (bench/RESULTS.md).
public final class WriteGate: Sendable {
    public enum Priority: Sendable { case ack, background }
    public typealias Observer = @Sendable (_ priority: Priority, _ held: Duration) -> Void

    private let observe: Observer?

    public init(observe: Observer? = nil) {
        self.observe = observe
    }

    private struct State {
        var held = false
        var acks: [CheckedContinuation<Void, Never>] = []
        var background: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` as the only gated writer of the process, on `executor` when given.
    public func serialize<T: Sendable>(
        priority: Priority, on executor: (any TaskExecutor)? = nil, _ body: () async throws -> T
    ) async throws -> T {
        switch priority {
        case .ack:
            await acquire(priority)
            return try await withTaskExecutorPreference(executor) { try await holding(priority, body) }
        case .background:
            return try await withTaskExecutorPreference(executor) {
                await acquire(priority)
                return try await holding(priority, body)
            }
        }
    }

    /// Runs `body` with the gate taken, and lets go of it when done, on the writer's executor.
    private func holding<T: Sendable>(_ priority: Priority, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        defer {
            release()
            observe?(priority, ContinuousClock.now - start)
        }
        return try await body()
    }

    private func acquire(_ priority: Priority) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let free = state.withLock { state in
                guard state.held else {
                    state.held = true
                    return true
                }
                switch priority {
                case .ack: state.acks.append(waiter)
                case .background: state.background.append(waiter)
                }
                return false
            }
            if free { waiter.resume() }
        }
    }

    /// Hands the gate straight to the next waiter, acknowledgements first, if any.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if !state.acks.isEmpty { return state.acks.removeFirst() }
            if !state.background.isEmpty { return state.background.removeFirst() }
            state.held = false
            return nil
        }
        next?.resume()
    }
}

import Foundation
import Synchronization

/// Group commit for the ack path. A notification that arrives while the inbox is committing
/// waits, and everything that waited goes into the next transaction together; each request
/// is answered only after the commit that holds its row. One client sees one commit per
/// request, as before; a burst pays one commit per batch instead of one per notification.
final class GroupCommitInbox: Sendable {
    typealias Waiter = (entry: DeliveryInbox.Entry, continuation: CheckedContinuation<DeliveryInbox.Stored, any Error>)

    private struct State {
        var waiting: [Waiter] = []
        var writing = false
    }

    /// Bounded so that one statement's binds stay far below SQLite's and PostgreSQL's limits.
    static let maxBatch = 256

    let database: any InboxDatabase
    private let maxAttempts: Int
    private let state = Mutex(State())

    init(maxAttempts: Int, database: any InboxDatabase) {
        self.database = database
        self.maxAttempts = maxAttempts
    }

    /// - Returns: `.duplicate` when this notification was already accepted (a retry).
    func accept(_ entry: DeliveryInbox.Entry) async throws -> DeliveryInbox.Stored {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state in
                state.waiting.append((entry, continuation))
                defer { state.writing = true }
                return !state.writing
            }
            // Not on the write thread: its turn at the write gate is taken first (`WriteGate`).
            if startWriter { Task { await self.write() } }
        }
    }

    /// Commits batches until nobody waits.
    private func write() async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let batch = Array(state.waiting.prefix(Self.maxBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let created = try await database.store(batch.map(\.entry), maxAttempts: maxAttempts)
                for (waiter, stored) in zip(batch, created) { waiter.continuation.resume(returning: stored) }
            } catch {
                // Nothing of this batch is stored: every request in it gets its 503.
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}

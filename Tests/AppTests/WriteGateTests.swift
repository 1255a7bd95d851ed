import Fluent
import Foundation
import NIOPosix
import Synchronization
import Testing

@testable import App
@testable import SQLiteStorage

/// One gated write at a time per process on SQLite; none held up on PostgreSQL (`WriteGate`).
@Suite("Write gate")
struct WriteGateTests {
    /// How many bodies are inside at once, the most there ever were, and how many ran.
    final class Tally: Sendable {
        let state = Mutex((inside: 0, most: 0, ran: 0))
        func enter() {
            state.withLock {
                $0.inside += 1
                $0.most = max($0.most, $0.inside)
            }
        }
        func leave() {
            state.withLock {
                $0.inside -= 1
                $0.ran += 1
            }
        }
    }

    struct Boom: Error {}

    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    }

    @Test("on SQLite, bodies never overlap, every one runs, and a body that throws lets the next in")
    func exclusive() async throws {
        try await withRunningApp { r in
            // The application's writer, as chosen at start-up for its database.
            let writer = r.app.services.storage.writer(on: r.app.db)
            let tally = Tally()
            await withTaskGroup(of: Void.self) { group in
                for n in 0..<40 {
                    group.addTask {
                        _ = try? await writer.write(.background) { _ in
                            tally.enter()
                            try? await Task.sleep(for: .milliseconds(1))
                            tally.leave()
                            if n % 5 == 0 { throw Boom() }
                        }
                    }
                }
            }
            let (most, ran) = tally.state.withLock { ($0.most, $0.ran) }
            #expect(ran == 40)
            if testsRunOnPostgres {
                #expect(most > 1)  // open: PostgreSQL's writers overlap
            } else {
                #expect(most == 1)
            }
        }
    }

    @Test("each gated write reports its priority and how long it held the gate, also when it throws", .enabled(if: !testsRunOnPostgres))
    func observed() async throws {
        try await withRunningApp { r in
            let held = Mutex<[(WriteGate.Priority, Duration)]>([])
            let gate = WriteGate { priority, duration in held.withLock { $0.append((priority, duration)) } }
            try await gate.serialize(priority: .ack) { try await Task.sleep(for: .milliseconds(30)) }
            _ = try? await gate.serialize(priority: .background) { throw Boom() }
            let reports = held.withLock { $0 }
            #expect(reports.map(\.0) == [.ack, .background])
            #expect(reports.first.map { $0.1 >= .milliseconds(30) } == true)
        }
    }

    @Test("an acknowledgement waiting for the gate goes before worker writes that waited longer", .enabled(if: !testsRunOnPostgres))
    func acksFirst() async throws {
        try await withRunningApp { r in
            let gate = WriteGate()
            let order = Log()
            // The holder keeps the gate until everyone is queued (not for a fixed time: on a
            // busy machine the queueing itself can take longer than that).
            let (release, releaser) = AsyncStream<Void>.makeStream()
            let holder = Task { try await gate.serialize(priority: .background) { for await _ in release { break } } }
            try await Task.sleep(for: .milliseconds(50))
            await withTaskGroup(of: Void.self) { group in
                for n in 0..<3 {
                    group.addTask { _ = try? await gate.serialize(priority: .background) { order.append("worker \(n)") } }
                    try? await Task.sleep(for: .milliseconds(20))  // queued in this order
                }
                group.addTask { _ = try? await gate.serialize(priority: .ack) { order.append("ack") } }
                try? await Task.sleep(for: .milliseconds(200))
                releaser.yield()
            }
            try await holder.value
            #expect(order.entries.withLock { $0 } == ["ack", "worker 0", "worker 1", "worker 2"])
        }
    }

    @Test(
        "on a write thread, an acknowledgement goes before a worker write that reached the thread first",
        .enabled(if: !testsRunOnPostgres))
    func acksFirstOnTheWriteThread() async throws {
        // The process's write thread (`SQLiteWriteThread`): one loop, whose queue runs in
        // arrival order, and a holder that keeps it busy without a suspension (as a write
        // transaction runs there, statement after statement).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let thread = EventLoopTaskExecutor(group.next())
        let gate = WriteGate()
        let order = Log()
        let letGo = Atomic(false)
        let holder = Task {
            try await gate.serialize(priority: .background, on: thread) {
                while !letGo.load(ordering: .acquiring) { usleep(1_000) }
            }
        }
        try await Task.sleep(for: .milliseconds(50))

        // Given a worker write queued on the busy thread, then an acknowledgement.
        let worker = Task { try await gate.serialize(priority: .background, on: thread) { order.append("worker") } }
        try await Task.sleep(for: .milliseconds(50))
        let ack = Task { try await gate.serialize(priority: .ack, on: thread) { order.append("ack") } }
        try await Task.sleep(for: .milliseconds(50))

        // When the holder commits,
        letGo.store(true, ordering: .releasing)
        try await holder.value
        try await worker.value
        try await ack.value

        // then the acknowledgement has written first.
        #expect(order.entries.withLock { $0 } == ["ack", "worker"])
        try await group.shutdownGracefully()
    }
}

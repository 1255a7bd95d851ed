import NIOCore
import Testing
import Vapor

@testable import App

/// Inside `serve` the worker runs below the HTTP event loops' priority (`BackgroundThreads`);
/// `hrbridge worker` keeps the event loops. That the worker still turns contracts into HR
/// records on these threads is `ContractToHRRecordTests`' (its apps run the worker as `serve` does).
@Suite("The worker's threads")
struct BackgroundThreadsTests {
    @Test("inside serve, each worker runs on a thread of its own, 10 nice values below the HTTP event loops")
    func insideServe() async throws {
        try await withTestApp { app in
            let httpLoops = Array(app.eventLoopGroup.makeIterator())
            let lifecycle = try SyncWorkerLifecycle.make(app, services: app.services)
            let threads = try #require(lifecycle.threads)
            let loops = lifecycle.workers.compactMap { $0.executor?.loop }
            #expect(loops.count == lifecycle.workers.count)
            #expect(loops.allSatisfy { loop in threads.loops.contains { $0 === loop } })
            #expect(loops.allSatisfy { loop in !httpLoops.contains { $0 === loop } })
            #if os(Linux)
                let http = try #require(try await httpLoops[0].submit { BackgroundThreads.niceValue() }.get())
                for loop in loops {
                    let nice = try await loop.submit { BackgroundThreads.niceValue() }.get()
                    #expect(nice == min(19, http + BackgroundThreads.niceIncrement))
                }
            #endif
            // Never started: stopping stops the threads.
            await lifecycle.shutdownAsync(app)
        }
    }

    @Test("hrbridge worker: each worker on an event loop of its own, next to its database, at the process's priority")
    func workerAlone() async throws {
        try await withTestApp { app in
            let httpLoops = Array(app.eventLoopGroup.makeIterator())
            let lifecycle = try SyncWorkerLifecycle.make(app, services: app.services, alongsideReceiver: false)
            #expect(lifecycle.threads == nil)
            let loops = lifecycle.workers.compactMap { $0.executor?.loop }
            #expect(loops.count == lifecycle.workers.count)
            #expect(
                zip(loops, lifecycle.workers).allSatisfy { loop, worker in
                    httpLoops.contains { $0 === loop } && worker.db.eventLoop === loop
                })
        }
    }
}

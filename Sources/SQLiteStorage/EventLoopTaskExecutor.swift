import NIOCore

/// Runs a task's jobs on one NIO event loop.
///
/// Swift concurrency runs on NIO's event loops (`Entry`), and NIO hands a new job to the loop
/// the enqueuing thread is on — sticky, to save a thread switch. A worker started from one
/// loop therefore ran every job on that loop: one of two cores busy, the other idle
/// (bench/RESULTS.md, drain). Each of the App's workers prefers its own loop instead: in `hrbridge
/// worker` next to a database handle on the same loop, so its queries complete where its code
/// runs; inside `serve` on a thread of its own below the HTTP loops (`BackgroundThreads`).
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) { self.loop = loop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

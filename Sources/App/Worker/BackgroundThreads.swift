import NIOCore
import NIOPosix
import SQLiteStorage

#if canImport(Glibc)
    import Glibc
#endif

/// Threads of their own for the worker inside `serve`, at a lower priority than the event
/// loops that answer HTTP.
///
/// The worker's loops shared the HTTP event loops. A loop runs what it has queued to the end,
/// so a request that arrived while it decoded a contract or mapped one waited for that, and
/// Oneflow counts an acknowledgement's time. On threads of their own at a nice value 10 above
/// the process's, the kernel runs a loop that has a request before the worker whenever both
/// want a core; the worker gets the rest. At 1,000 notifications/s with the worker on, ack
/// p99 7.07 → 6.52 ms and p99.9 10.4 → 9.7 ms (means of runs without a disk stall,
/// bench/RESULTS.md).
///
/// Lowering a thread's own priority needs no privilege (raising it would: `CAP_SYS_NICE`).
/// On Linux a nice value belongs to a thread, so the event loops keep theirs; elsewhere
/// (macOS, for development) it would lower the whole process, so it is left alone there.
/// `hrbridge worker` has no HTTP to give way to and keeps its loops next to its database.
final class BackgroundThreads: Sendable {
    /// How much lower than the process the worker's threads run (nice values go up to 19).
    static let niceIncrement: Int32 = 10

    let loops: [any EventLoop]
    private let group: MultiThreadedEventLoopGroup

    init(count: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, count))
        loops = Array(group.makeIterator())
        // A loop runs its tasks in order: this one comes before any of the worker's.
        for loop in loops { loop.execute { Self.lowerPriority() } }
    }

    /// After every task on these threads has finished (the workers and the sender have stopped).
    func shutdown() async {
        try? await group.shutdownGracefully()
    }

    /// The calling thread's nice value: Linux's per-thread `getpriority(PRIO_PROCESS, 0)`.
    static func niceValue() -> Int32? {
        #if os(Linux)
            errno = 0
            let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            return value == -1 && errno != 0 ? nil : value
        #else
            return nil
        #endif
    }

    private static func lowerPriority() {
        #if os(Linux)
            // setpriority(2), NOTES: with PRIO_PROCESS, Linux treats the id as a thread's, and 0 is the caller.
            guard let current = niceValue() else { return }
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(19, current + niceIncrement))
        #endif
    }
}

import Logging
import NIOPosix
import Synchronization

/// Copies the SQLite write-ahead log into the database file on a thread of its own, so that
/// the inbox's commits rarely have to.
///
/// SQLite checkpoints inside the commit that takes the log past 1,000 pages
/// (https://www.sqlite.org/wal.html#automatic_checkpoint): that commit copies every page
/// into the database file and fsyncs it. On the ack path that was a quarter of the inbox
/// writer's CPU and, on this guest's disk, commits of up to 600 ms (bench/RESULTS.md). After
/// each commit the inbox calls `commitHappened()`: at most one PASSIVE checkpoint runs at a
/// time, at most one starts per `interval`; PASSIVE never blocks a writer or a reader. The
/// automatic checkpoint stays on, and finds little left to copy. It cannot go: a PASSIVE
/// checkpoint alone never catches up with a writer that does not pause, and the log is only
/// rewound by a checkpoint that has caught up (with it off, a 30-second ack run left a
/// 1.6 GB log).
final class WALCheckpointer: Sendable {
    static let interval: Duration = .milliseconds(250)

    private let path: String
    private let logger = Logger(label: "hrbridge.inbox")
    private let thread = NIOThreadPool(numberOfThreads: 1)

    private struct State {
        var running = false
        var lastStarted: ContinuousClock.Instant?
        var stopped = false
    }
    private let state = Mutex(State())
    /// Used on `thread` only (and by `close()` once it has stopped).
    private let connection = Mutex<RawSQLite?>(nil)

    init(path: String) {
        self.path = path
        thread.start()
    }

    /// Starts a checkpoint in the background unless one runs or one started less than
    /// `interval` ago. Cheap: called after every commit of the inbox.
    func commitHappened() {
        let start = state.withLock { state -> Bool in
            let now = ContinuousClock.now
            guard !state.stopped, !state.running, state.lastStarted.map({ now - $0 >= Self.interval }) ?? true else { return false }
            state.running = true
            state.lastStarted = now
            return true
        }
        if start { thread.submit { _ in self.checkpoint() } }
    }

    /// Waits for a running checkpoint, then closes the connection; no checkpoint starts after.
    func close() async {
        state.withLock { $0.stopped = true }
        try? await thread.shutdownGracefully()
        connection.withLock { connection in
            connection?.close()
            connection = nil
        }
    }

    private func checkpoint() {
        connection.withLock { connection in
            do {
                // A checkpoint never waits for a lock, so busy_timeout only matters for the open.
                let sqlite = try connection ?? RawSQLite(path: path, busyTimeoutMilliseconds: 1_000)
                connection = sqlite
                try sqlite.execute("PRAGMA wal_checkpoint(PASSIVE)")
            } catch {
                // The next commit tries again; until then the log only grows.
                logger.warning("SQLite checkpoint failed", metadata: ["error": "\(error)"])
                connection?.close()
                connection = nil
            }
        }
        state.withLock { $0.running = false }
    }
}

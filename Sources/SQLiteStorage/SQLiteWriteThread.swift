import NIOCore
import NIOPosix
import Synchronization

/// The process's write connection to the SQLite file, on a thread of its own. The App's inbox
/// group commits and the worker's claims and batch writes all run here, one after the other
/// through `WriteGate`.
///
/// They were two connections on two threads. With the worker on at 1,000 notifications/s
/// that cost the acknowledgements (bench/RESULTS.md): SQLite empties a connection's page
/// cache when another connection has written to the file, so each side read every page it
/// touched again after the other's commit; the gate changed threads at every hand-over; and
/// each connection had its own background checkpoint. One connection keeps its cache, and
/// the hand-over is the next task on the same thread.
///
/// Each user calls `retain()` when it starts using it and `release()` when done; the last
/// release closes the connection and stops the thread, in whatever order users shut down
/// (a task sent to a stopped thread would never run).
public final class SQLiteWriteThread: Sendable {
    public let connection: SQLiteWriterConnection
    /// Where the writes run: the thread's one event loop.
    public let executor: EventLoopTaskExecutor
    private let group: MultiThreadedEventLoopGroup
    private let users = Mutex(0)

    public var loop: any EventLoop { executor.loop }

    public init(path: String, busyTimeoutMilliseconds: Int) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        executor = EventLoopTaskExecutor(group.next())
        connection = SQLiteWriterConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    }

    public func retain() {
        users.withLock { $0 += 1 }
    }

    /// The last user's release closes the connection (after a running checkpoint), then stops the thread.
    public func release() async {
        guard
            users.withLock({ users in
                users -= 1
                return users == 0
            })
        else { return }
        await connection.close()
        try? await group.shutdownGracefully()
    }
}

public enum SQLiteWriteThreadError: Error, CustomStringConvertible {
    case closed
    public var description: String { "the SQLite write connection is closed (the process is shutting down)" }
}

import FluentKit
import FluentSQLiteDriver
import Logging
import NIOCore
import NIOPosix

/// The worker's write connection to a SQLite file, on an event loop of its own: claims and
/// batch writes (`WriteLane`) run there and nothing else does, so a write transaction's
/// statements follow each other without queueing behind other work (bench/RESULTS.md).
/// One per process, shared by the worker's lanes; they take turns through `WriteGate`.
final class WorkerSQLiteConnection: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let databases: Databases
    let lane: WriteLane

    /// - Parameter threadPool: where SQLite's calls run (the application's).
    init(path: String, threadPool: NIOThreadPool, logger: Logger) {
        let loop = group.next()
        databases = Databases(threadPool: threadPool, on: group)
        // The same configuration as the application's (`DatabaseSetup`): sqlite-kit turns
        // foreign keys on for each connection.
        databases.use(.sqlite(.file(path), sqlLogLevel: nil), as: .sqlite)
        lane = WriteLane(db: databases.database(.sqlite, logger: logger, on: loop)!, executor: EventLoopTaskExecutor(loop))
    }

    /// Sets the connection's `busy_timeout`, as `DatabaseSetup.prepareSQLite` does for the
    /// application's: another process's writer (`serve` beside `worker`) is waited for, not
    /// spun on forever.
    func prepare(busyTimeoutMilliseconds: Int) async throws {
        guard let sqlite = lane.db as? any SQLiteDatabase else { return }
        try await sqlite.withConnection { connection in
            connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)").map { _ in }
        }.get()
    }

    /// After the worker has stopped: closes the connection, then stops the loop.
    func shutdown() async {
        await databases.shutdownAsync()
        try? await group.shutdownGracefully()
    }
}

import FluentKit
import Logging
import NIOCore
import NIOPosix

/// The worker's write connection to a SQLite file, on an event loop of its own: claims and
/// batch writes (`WriteLane`) run there, each transaction start to end on that thread with
/// no hop between statements (`InlineSQLiteDatabase`), and nothing else runs there
/// (bench/RESULTS.md). One per process, shared by the worker's lanes; they take turns
/// through `WriteGate`.
final class WorkerSQLiteConnection: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let connection: SQLiteWriterConnection
    let lane: WriteLane

    /// - Parameter configuration: the application's database configuration (Fluent's
    ///   context wants one; no connection is made from it).
    init(path: String, busyTimeoutMilliseconds: Int, configuration: any DatabaseConfiguration, logger: Logger) {
        let loop = group.next()
        connection = SQLiteWriterConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, closedError: WorkerSQLiteConnectionError.closed)
        let context = DatabaseContext(configuration: configuration, logger: logger, eventLoop: loop)
        lane = WriteLane(db: InlineSQLiteDatabase(connection: connection, context: context), executor: EventLoopTaskExecutor(loop))
    }

    /// After the worker has stopped: closes the connection, then stops the loop. The lane is
    /// unusable afterwards (a task sent to the stopped loop would never run), which is why
    /// `SyncWorkerLifecycle` calls this only once every worker has stopped.
    func shutdown() async {
        await connection.close()
        try? await group.shutdownGracefully()
    }
}

enum WorkerSQLiteConnectionError: Error, CustomStringConvertible {
    case closed
    var description: String { "the worker's write connection is closed (the worker is stopping)" }
}

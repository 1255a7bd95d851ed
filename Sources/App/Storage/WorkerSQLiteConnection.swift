import FluentKit
import Logging
import SQLiteStorage

/// The worker's writes to a SQLite file, on the process's write thread (`SQLiteWriteThread`):
/// claims and batch writes (`SQLiteFileWriter`) run there, each transaction start to end on that
/// thread with no hop between statements (`InlineSQLiteDatabase`), and only SQLite writes
/// run there (bench/RESULTS.md). One per worker, shared by its lanes; they take turns, and
/// turns with the inbox inside `serve`, through `WriteGate`.
final class WorkerSQLiteConnection: Sendable {
    private let thread: SQLiteWriteThread
    let writer: SQLiteFileWriter

    /// - Parameter configuration: the application's database configuration (Fluent's
    ///   context wants one; no connection is made from it).
    init(thread: SQLiteWriteThread, gate: WriteGate, configuration: any DatabaseConfiguration, logger: Logger) {
        self.thread = thread
        thread.retain()
        let context = DatabaseContext(configuration: configuration, logger: logger, eventLoop: thread.loop)
        writer = SQLiteFileWriter(db: InlineSQLiteDatabase(connection: thread.connection, context: context), executor: thread.executor, gate: gate)
    }

    /// After the worker has stopped: lets go of the write thread (the last user closes it).
    /// The writer is unusable afterwards (a task sent to a stopped thread would never run),
    /// which is why `SyncWorkerLifecycle` calls this only once every worker has stopped.
    func shutdown() async {
        await thread.release()
    }
}

import FluentKit
import Logging
import SQLiteStorage

/// A long-lived user's writes to a SQLite file — the inbox's group commits, the worker's claims
/// and batch writes — on the process's write thread (`SQLiteWriteThread`): each transaction
/// runs start to end on that thread with no hop between statements (`InlineSQLiteDatabase`),
/// and only SQLite writes run there (bench/RESULTS.md). The inbox has one, and the workers of
/// a process share one; they take turns through `WriteGate`, acknowledgements first. Made by
/// `AppStorage.fileConnection`.
final class SQLiteFileConnection: Sendable {
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

    /// After its user has stopped: lets go of the write thread (the last user closes it).
    /// The writer is unusable afterwards (a task sent to a stopped thread would never run),
    /// which is why `SyncWorkerLifecycle` calls this only once every worker has stopped, and
    /// the inbox only after the server has stopped taking requests.
    func shutdown() async {
        await thread.release()
    }
}

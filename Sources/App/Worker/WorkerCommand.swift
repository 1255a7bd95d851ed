import UnixSignals
import Vapor

/// `hrbridge worker`: the background worker without the HTTP server, for scale-out next to
/// `serve --no-worker` on one PostgreSQL. Jobs are claimed with `FOR UPDATE SKIP LOCKED`
/// and a lease, so any number of workers can run; SIGTERM or SIGINT stops it gracefully.
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }

    /// The workers, as `configure` wires them (`workers.swift`), for a process without the receiver.
    let workers: @Sendable (Application) throws -> SyncWorkerLifecycle

    var help: String { "Runs the background worker alone (scale-out next to `serve --no-worker`)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let worker = try workers(app)
        try await worker.didBootAsync(app)
        for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
            app.logger.notice("worker: \(signal) received, stopping")
            break
        }
        await worker.shutdownAsync(app)
    }
}

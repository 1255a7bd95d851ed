import Vapor

/// `hrbridge reconcile`: re-reads recently changed contracts of every active installation now.
struct ReconcileCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }

    var help: String { "Re-reads the contracts changed since the last run, for every active installation" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let report = try await Reconciler(db: app.db, services: app.services, logger: app.logger).runAll(now: app.services.clock.now)
        context.console.print(
            "Reconciled \(report.installations) installation(s): \(report.contracts) contract(s) read, \(report.applied) changed HR records.")
    }
}

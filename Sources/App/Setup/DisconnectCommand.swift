import Fluent
import Vapor

/// `hrbridge disconnect <installation id | Oneflow account id> [--force]`
struct DisconnectCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "installation", help: "Installation id (UUID) or Oneflow account id")
        var installation: String

        @Flag(name: "force", help: "Disconnect even if Oneflow cannot delete our webhook now")
        var force: Bool

        init() {}
    }

    var help: String { "Deletes our webhook in Oneflow, wipes the stored token and sign key, keeps the HR records" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let installation = try await Installation.named(signature.installation, on: app.db)
        try await DisconnectService(services: app.services, db: app.db, logger: app.logger).disconnect(
            installation, force: signature.force, now: app.services.clock.now)
        await app.services.audit(on: app.db, logger: app.logger).record(
            .disconnected, by: .commandLine, installation: installation.id, detail: signature.force ? "forced" : "")
        context.console.print("Disconnected \(installation.accountName) (\(installation.id?.uuidString ?? "")). HR records are kept.")
    }
}

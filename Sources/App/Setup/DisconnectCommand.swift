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
        let query = Installation.query(on: app.db)
        if let id = UUID(uuidString: signature.installation) {
            query.filter(\.$id == id)
        } else if let account = Int(signature.installation) {
            query.filter(\.$oneflowAccountID == account)
        } else {
            throw Abort(.badRequest, reason: "'\(signature.installation)' is neither an installation id nor a Oneflow account id")
        }
        guard let installation = try await query.first() else {
            throw Abort(.notFound, reason: "No installation \(signature.installation)")
        }
        try await DisconnectService(services: app.services, db: app.db, logger: app.logger).disconnect(installation, force: signature.force)
        context.console.print("Disconnected \(installation.accountName) (\(installation.id?.uuidString ?? "")). HR records are kept.")
    }
}

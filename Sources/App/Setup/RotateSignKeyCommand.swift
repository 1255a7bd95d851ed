import Fluent
import Vapor

/// `hrbridge rotate-sign-key <installation id | Oneflow account id>`: a fresh webhook sign key,
/// registered in Oneflow with the stored token; the previous one stays valid for
/// `setup.sign_key_grace_seconds`. No key is ever printed.
struct RotateSignKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "installation", help: "Installation id (UUID) or Oneflow account id")
        var installation: String

        init() {}
    }

    var help: String { "Gives an installation's webhook a new sign key; the previous one stays valid for setup.sign_key_grace_seconds" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let installation = try await Installation.named(signature.installation, on: app.db)
        let name = "\(installation.accountName) (\(installation.id?.uuidString ?? ""))"
        let rotated: Installation?
        do {
            rotated = try await SetupService(services: app.services, db: app.db, logger: app.logger).rotateSignKey(of: installation)
        } catch let error as SetupError {
            throw Abort(error.status, reason: "\(name): \(error.title). \(error.message)")
        }
        guard rotated != nil else {
            throw Abort(.conflict, reason: "\(name) has no stored token: enable the extension in Oneflow again to reconnect")
        }
        await app.services.audit(on: app.db, logger: app.logger).record(.signKeyRotated, by: .commandLine, installation: installation.id)
        let grace = app.services.config.setup.signKeyGraceSeconds
        context.console.print("Rotated the webhook sign key of \(name). The previous key stays valid for \(grace) s.")
    }
}

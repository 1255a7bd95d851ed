import Fluent
import Vapor

/// `hrbridge api-key create --installation <id> --name <name>`, `hrbridge api-key list
/// --installation <id>`, `hrbridge api-key revoke --installation <id> --key <key id>`: the admin
/// page's scoped keys from a shell (a deploy script, a rotation). The installation is named by
/// its id or its Oneflow account id.
struct APIKeyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "create, list or revoke")
        var action: String

        @Option(name: "key", help: "revoke: the key's id (from list)")
        var key: String?

        @Option(name: "installation", help: "Installation id (UUID) or Oneflow account id")
        var installation: String?

        @Option(name: "name", help: "create: who uses the key, e.g. \"payroll sync\"")
        var name: String?

        init() {}
    }

    var help: String { "Makes, lists or revokes an installation's HR API keys (the key is printed once, at create)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let named = signature.installation else { throw Abort(.badRequest, reason: "Name the installation: --installation <id>") }
        let installation = try await Installation.named(named, on: app.db)
        let keys = APIKeys(db: app.db, writer: app.services.storage.writer(on: app.db), clock: app.services.clock)
        switch signature.action {
        case "create":
            do {
                let (key, secret) = try await keys.create(for: installation, name: signature.name ?? "")
                app.logger.notice("api key created", metadata: ["installation": "\(key.$installation.id)", "key": "\(key.id?.uuidString ?? "")"])
                await app.services.audit(on: app.db, logger: app.logger).record(
                    .apiKeyCreated, by: .commandLine, installation: key.$installation.id, subject: key.id?.uuidString, detail: "name \"\(key.name)\"")
                context.console.print("Key “\(key.name)” for \(installation.accountName) (id \(key.id?.uuidString ?? "")). Shown once:")
                context.console.print(secret)
            } catch let failure as APIKeys.Failure {
                throw Abort(.badRequest, reason: failure.description)
            }
        case "list":
            for key in try await keys.list(of: installation.requireID()) {
                let state = key.revokedAt.map { "revoked \($0.formatted(.iso8601))" } ?? "live"
                let used = key.lastUsedAt.map { $0.formatted(.iso8601) } ?? "never"
                context.console.print(
                    "\(key.id?.uuidString ?? "")  \(key.keyPrefix)…  \(key.name)  made \(key.createdAt.formatted(.iso8601))  used \(used)  \(state)")
            }
        case "revoke":
            guard let id = signature.key.flatMap(UUID.init(uuidString:)),
                let (key, revokedNow) = try await keys.revoke(id, of: installation.requireID())
            else {
                throw Abort(.notFound, reason: "No such key of this installation: see `hrbridge api-key list --installation \(named)`.")
            }
            guard revokedNow else {
                context.console.print("“\(key.name)” was revoked already.")
                return
            }
            app.logger.notice("api key revoked", metadata: ["installation": "\(key.$installation.id)", "key": "\(id)"])
            await app.services.audit(on: app.db, logger: app.logger).record(
                .apiKeyRevoked, by: .commandLine, installation: key.$installation.id, subject: id.uuidString, detail: "name \"\(key.name)\"")
            context.console.print("Revoked “\(key.name)”.")
        default:
            throw Abort(.badRequest, reason: "Unknown action \(signature.action): create, list or revoke")
        }
    }
}

import Fluent
import Foundation
import Logging
import OneflowAPI

/// The Setup URL's work: prove the extension token with Oneflow, upsert the installation by
/// Oneflow account id, provision, and mark it active — or record why not.
/// https://developer.oneflow.com/docs/authentication-1 (validate and store the token),
/// https://developer.oneflow.com/docs/extension-creation-1 (Setup URL)
struct SetupService {
    let db: any Database
    let oneflow: any OneflowClient
    let config: AppConfig
    let secrets: InstallationSecrets
    let logger: Logger
    var now: @Sendable () -> Date = { Date() }

    init(services: AppServices, db: any Database, logger: Logger) {
        self.db = db
        self.oneflow = services.oneflow
        self.config = services.config
        self.secrets = InstallationSecrets(box: services.secretBox)
        self.logger = logger
    }

    /// Runs the whole setup for `token`. Safe to run again: a second setup of the same
    /// account updates its installation and finds everything already made.
    func connect(token rawToken: String, rotateSignKey: Bool = false) async throws(SetupError) -> Installation {
        let credentials = OneflowCredentials(token: rawToken.trimmingCharacters(in: .whitespacesAndNewlines), userEmail: config.oneflow.userEmail)
        guard credentials.tokenLooksValid else { throw .malformedToken }

        // Proven live before anything is stored under it.
        let account: Account
        do {
            try await oneflow.ping(credentials)
            account = try await oneflow.currentAccount(credentials)
        } catch {
            logger.notice("setup: token not accepted", metadata: ["error": "\(error)"])
            throw SetupError.from(error)
        }

        let installation: Installation
        do {
            installation = try await upsert(account, credentials)
        } catch {
            logger.error("setup: could not store the installation", metadata: ["error": "\(ErrorText.log(error))"])
            throw .storage
        }

        let provisioner = Provisioner(db: db, oneflow: oneflow, config: config, secrets: secrets, logger: logger)
        do {
            _ = try await provisioner.provision(installation, credentials, rotateSignKey: rotateSignKey, now: now())
            installation.status = .active
            installation.setupStep = Provisioner.Step.done.rawValue
            installation.lastError = nil
            installation.disconnectedAt = nil
            try await installation.save(on: db)
            logger.info("setup: installation active", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "account": "\(account.id)"])
            return installation
        } catch {
            let failure = (error as? OneflowError).map(SetupError.from) ?? .storage
            logger.warning("setup: stopped", metadata: ["step_done": "\(installation.setupStep ?? "none")", "error": "\(error)"])
            installation.status = .error
            installation.lastError = failure.title
            try? await installation.save(on: db)
            throw failure
        }
    }

    /// One row per Oneflow account: created on first setup, refreshed (new token) after.
    private func upsert(_ account: Account, _ credentials: OneflowCredentials) async throws -> Installation {
        let existing = try await Installation.query(on: db).filter(\.$oneflowAccountID == account.id).first()
        let installation = existing ?? Installation(oneflowAccountID: account.id, accountName: account.name ?? "Oneflow account \(account.id)",
                                                    webhookKey: RandomToken.make(bytes: 24))
        installation.accountName = account.name ?? installation.accountName
        installation.userEmail = credentials.userEmail
        installation.status = .provisioning
        if existing == nil { installation.setupStep = Provisioner.Step.account.rawValue }
        try secrets.storeToken(credentials.token, in: installation)
        do {
            try await installation.save(on: db)
        } catch where existing == nil {
            // Another setup of the same account won the insert: continue with its row.
            guard let winner = try await Installation.query(on: db).filter(\.$oneflowAccountID == account.id).first() else { throw error }
            try secrets.storeToken(credentials.token, in: winner)
            winner.status = .provisioning
            try await winner.save(on: db)
            return winner
        }
        return installation
    }
}

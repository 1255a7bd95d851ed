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
    /// Where the installation is saved (`DatabaseWriter`).
    let writer: any DatabaseWriter
    let oneflow: any OneflowClient
    let config: AppConfig
    let secrets: InstallationSecrets
    let keyCache: WebhookKeyCache
    let logger: Logger
    let clock: any AppClock

    init(services: AppServices, db: any Database, logger: Logger) {
        self.db = db
        self.writer = services.storage.writer(on: db)
        self.oneflow = services.oneflow
        self.config = services.config
        self.secrets = InstallationSecrets(box: services.secretBox)
        self.keyCache = services.webhookKeys
        self.clock = services.clock
        self.logger = logger
    }

    /// Runs the whole setup for `token`. Safe to run again: a second setup of the same
    /// account updates its installation and finds everything already made. The webhook sign
    /// key rotates when asked, and when the account comes back with a token other than the
    /// stored one (the extension was enabled again): whoever may have seen the old token may
    /// have seen the old key too.
    /// - Parameter linkID: the connection link this browser opened (`ConnectLink`): claimed for
    ///   the account, it lets a new account in whatever `setup.accept` says, and binds the
    ///   installation to its customer reference.
    func connect(token rawToken: String, rotateSignKey: Bool = false, linkID: UUID? = nil) async throws(SetupError) -> Installation {
        let credentials = OneflowCredentials(token: rawToken.trimmingCharacters(in: .whitespacesAndNewlines), userEmail: config.oneflow.userEmail)
        guard credentials.tokenLooksValid else { throw .malformedToken }

        // Proven live before anything is stored under it.
        let account: Account
        do {
            try await oneflow.ping(credentials)
            account = try await oneflow.currentAccount(credentials)
        } catch {
            if error.isUnauthorized, await UnauthorizedCause.of(credentials, oneflow: oneflow) == .userEmail {
                logger.error("setup: Oneflow refused oneflow.user_email (401), not the token")
                throw .userEmailRefused
            }
            logger.notice("setup: token not accepted", metadata: ["error": "\(error)"])
            throw SetupError.from(error)
        }

        // Who may install: checked before anything is stored under this account.
        let link: ConnectLink?
        do {
            let bound = try await Installation.query(on: db).filter(\.$oneflowAccountID == account.id).first()?.hrCustomerReference
            link = try await links.forSetup(opened: linkID, accountID: account.id, boundTo: bound)
            if linkID != nil, link == nil {
                logger.notice(
                    "setup: the connection link is used, expired, another account's or another customer's", metadata: ["account": "\(account.id)"])
            }
            switch try await InstallPolicy(db: db, setup: config.setup).verdict(oneflowAccountID: account.id, linked: link != nil) {
            case .install: break
            case .refuse where config.setup.accept == .link:
                logger.notice("setup: a new account without a connection link", metadata: ["account": "\(account.id)"])
                throw SetupError.needsLink
            case .refuse:
                logger.notice(
                    "setup: account not allowed to install", metadata: ["account": "\(account.id)", "accept": "\(config.setup.accept.rawValue)"])
                throw SetupError.notAllowed(accountID: account.id)
            case .ask:
                throw SetupError.awaitingApproval(requestID: try await requestApproval(account, token: credentials.token))
            }
        } catch let error as SetupError {
            throw error
        } catch {
            logger.error("setup: could not read who may install", metadata: ["error": "\(ErrorText.log(error))"])
            throw .storage
        }

        let installation: Installation
        do {
            let rotated: Bool
            (installation, rotated) = try await upsert(account, credentials)
            if rotated {
                // The provisioning below drops the ack path's cached keys.
                logger.info(
                    "setup: a new token for this account; the sign key rotated", metadata: ["installation": "\(installation.id?.uuidString ?? "")"])
            }
        } catch {
            logger.error("setup: could not store the installation", metadata: ["error": "\(ErrorText.log(error))"])
            throw .storage
        }

        let provisioner = Provisioner(writer: writer, oneflow: oneflow, config: config, secrets: secrets, keyCache: keyCache, logger: logger)
        do {
            // The customer's own fields when it has saved some (`FieldSets`), else the configured ones.
            let fields = try await FieldSets.one(try installation.requireID(), config: config, on: db)
            _ = try await provisioner.provision(installation, credentials, fields: fields, rotateSignKey: rotateSignKey, now: clock.now)
            installation.status = .active
            installation.setupStep = Provisioner.Step.done.rawValue
            installation.lastError = nil
            installation.disconnectedAt = nil
            // Back before its records were erased: nothing is scheduled any more (`InstallationErasure`).
            installation.keepData = false
            installation.dataErasedAt = nil
            let now = clock.now
            try await writer.transaction(.background) { tx in
                // An offboarding erasure holds it per batch, and stops once it sees the installation back.
                if let id = installation.id { try await InstallationLock.acquire(id, on: tx) }
                try await installation.save(on: tx)
                if let link { try await ConnectLinks.useUp(link, by: installation, on: tx, now: now) }
            }
            try await closeRequests(of: account.id, installedAs: installation)
            if let link {
                await AuditLog(writer: writer, clock: clock, logger: logger).record(
                    .connectLinkUsed, by: .oneflowSetup(accountID: account.id), installation: installation.id, subject: link.id?.uuidString)
            }
            logger.info("setup: installation active", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "account": "\(account.id)"])
            return installation
        } catch {
            let failure = (error as? OneflowError).map(SetupError.from) ?? .storage
            logger.warning("setup: stopped", metadata: ["step_done": "\(installation.setupStep ?? "none")", "error": "\(error)"])
            installation.status = .error
            installation.lastError = failure.title
            try? await writer.save(installation)
            throw failure
        }
    }

    private var links: ConnectLinks { ConnectLinks(db: db, writer: writer, clock: clock, setup: config.setup) }

    /// The account is connected: any request of it still waiting is settled (its token wiped).
    private func closeRequests(of accountID: Int, installedAs installation: Installation) async throws {
        let (id, now) = (try installation.requireID(), clock.now)
        try await writer.write(.background) { db in
            try await SetupRequest.query(on: db).filter(\.$oneflowAccountID == accountID).filter(\.$status == .pending)
                .set(\.$status, to: .superseded).set(\.$tokenSealed, to: nil).set(\.$installationID, to: id).set(\.$decidedAt, to: now).update()
        }
    }

    /// Stores (or refreshes, when the account comes again) the account's request for an
    /// admin's approval, with its token sealed. - Returns: the request's id.
    private func requestApproval(_ account: Account, token: String) async throws -> UUID {
        let sealed = try secrets.box.seal(token)
        let now = clock.now
        let name = account.name ?? "Oneflow account \(account.id)"
        let request = try await writer.transaction(.background) { tx in
            if let pending = try await SetupRequest.query(on: tx).filter(\.$oneflowAccountID == account.id).filter(\.$status == .pending).first() {
                pending.tokenSealed = sealed
                pending.accountName = name
                try await pending.save(on: tx)
                return pending
            }
            let request = SetupRequest(oneflowAccountID: account.id, accountName: name, tokenSealed: sealed, at: now)
            try await request.create(on: tx)
            return request
        }
        logger.notice("setup: waiting for approval", metadata: ["account": "\(account.id)", "request": "\(request.id?.uuidString ?? "")"])
        return try request.requireID()
    }

    /// "Rotate sign key" (admin page, `hrbridge rotate-sign-key`): the setup again with the
    /// stored token and a fresh key, which the webhook in Oneflow is updated to; the old key
    /// stays valid for `setup.sign_key_grace_seconds`. nil when no token is stored
    /// (disconnected): only enabling the extension in Oneflow again reconnects.
    func rotateSignKey(of installation: Installation) async throws -> Installation? {
        guard let token = try secrets.token(of: installation) else { return nil }
        return try await connect(token: token, rotateSignKey: true)
    }

    /// One row per Oneflow account: created on first setup, refreshed (new token) after.
    /// `rotated`: the new token replaced another one, and the sign key rotated with it.
    private func upsert(_ account: Account, _ credentials: OneflowCredentials) async throws -> (Installation, rotated: Bool) {
        let existing = try await Installation.query(on: db).filter(\.$oneflowAccountID == account.id).first()
        let installation =
            existing
            ?? Installation(
                oneflowAccountID: account.id, accountName: account.name ?? "Oneflow account \(account.id)",
                webhookKey: RandomToken.make(bytes: 24))
        installation.accountName = account.name ?? installation.accountName
        installation.userEmail = credentials.userEmail
        installation.status = .provisioning
        if existing == nil { installation.setupStep = Provisioner.Step.account.rawValue }
        let rotated = try store(credentials.token, in: installation)
        do {
            try await writer.save(installation)
        } catch  where existing == nil {
            // Another setup of the same account won the insert: continue with its row.
            guard let winner = try await Installation.query(on: db).filter(\.$oneflowAccountID == account.id).first() else { throw error }
            let rotated = try store(credentials.token, in: winner)
            winner.status = .provisioning
            try await writer.save(winner)
            return (winner, rotated)
        }
        return (installation, rotated)
    }

    /// Stores `token`. One that replaces another (or one that no longer opens) rotates the sign
    /// key in the same write: a setup that stops half-way still registers the new key on its
    /// next attempt, which finds the same token and would not rotate again.
    private func store(_ token: String, in installation: Installation) throws -> Bool {
        let replaces = installation.tokenSealed != nil && (try? secrets.token(of: installation)) != token
        if replaces, installation.signKeySealed != nil {
            _ = try secrets.ensureSignKey(of: installation, rotate: true, grace: TimeInterval(config.setup.signKeyGraceSeconds), now: clock.now)
        }
        try secrets.storeToken(token, in: installation)
        return replaces && installation.signKeySealed != nil
    }
}

import Fluent
import Foundation
import Vapor

/// Installations: one per Oneflow account, with disconnect, re-provision and sign-key rotation.
struct AdminInstallationsController: RouteCollection {
    let services: AppServices
    /// Re-provisioning and rotation need the stored token; a disconnect wiped it.
    static let noToken = "No token is stored: enable the extension in Oneflow again to reconnect."

    func boot(routes: any RoutesBuilder) throws {
        routes.get("installations", use: list)
        routes.post("installations", "allowed-accounts", use: allowAccount)
        routes.post("installations", "allowed-accounts", ":account", "remove", use: removeAccount)
        routes.post("installations", "requests", ":request", "approve", use: approve)
        routes.post("installations", "requests", ":request", "refuse", use: refuse)
        routes.get("installations", ":id", use: detail)
        routes.post("installations", ":id", "api-keys", use: createKey)
        routes.post("installations", ":id", "api-keys", ":key", "revoke", use: revokeKey)
        routes.post("installations", ":id", "disconnect", use: disconnect)
        routes.post("installations", ":id", "reprovision", use: reprovision)
        routes.post("installations", ":id", "rotate-sign-key", use: rotateSignKey)
    }

    struct Row: Encodable {
        var id: String
        var account: String
        var accountID: Int
        var status: String
        var templateGroup: String
        var webhook: String
        var lastDelivery: String
        var lastError: String
        var connected: Bool
        /// API keys not revoked.
        var liveKeys: Int
    }
    struct Page: Encodable {
        var title = "Installations"
        var frame: AdminFrame
        var rows: [Row]
        /// `setup.accept`.
        var accept: String
        var allowlist: Bool
        var allowed: [AllowedRow]
        var approval: Bool
        var requests: [RequestRow]
    }
    struct RequestRow: Encodable {
        var id: String
        /// Approved, but its setup stopped before an installation was made.
        var approved: Bool
        var account: String
        var accountID: Int
        var requested: String
        var lastError: String
    }
    struct AllowedRow: Encodable {
        var id: String
        var accountID: Int
        var note: String
        var added: String
        /// From `setup.allowed_accounts`: changed in the configuration, not here.
        var fromConfig: Bool
    }

    @Sendable func list(req: Request) async throws -> View {
        var rows: [Row] = []
        for i in try await Installation.query(on: req.db).sort(\.$accountName).all() {
            rows.append(try await row(i, req))
        }
        let setup = services.config.setup
        var allowed = setup.allowedAccounts.sorted().map {
            AllowedRow(id: "", accountID: $0, note: "setup.allowed_accounts", added: "—", fromConfig: true)
        }
        for a in try await AllowedAccount.query(on: req.db).sort(\.$addedAt).all() where !setup.allowedAccounts.contains(a.oneflowAccountID) {
            allowed.append(
                AllowedRow(
                    id: a.id?.uuidString ?? "", accountID: a.oneflowAccountID, note: a.note, added: AdminFormat.time(a.addedAt), fromConfig: false))
        }
        // Waiting ones, and approved ones whose setup did not get as far as an installation.
        let requests = try await SetupRequest.query(on: req.db).group(.or) { or in
            or.filter(\.$status == .pending).group(.and) { and in and.filter(\.$status == .approved).filter(\.$installationID == nil) }
        }.sort(\.$requestedAt).all().map { r in
            RequestRow(
                id: r.id?.uuidString ?? "", approved: r.status == .approved, account: r.accountName, accountID: r.oneflowAccountID,
                requested: AdminFormat.time(r.requestedAt),
                lastError: r.lastError ?? "")
        }
        return try await req.view.render(
            "admin/installations",
            Page(
                frame: AdminFrame(req, section: "installations"), rows: rows, accept: setup.accept.rawValue, allowlist: setup.accept == .allowlist,
                allowed: allowed, approval: setup.accept == .approval, requests: requests))
    }

    /// Approves a waiting setup: it runs now with the stored token (the customer's waiting page
    /// then moves on to the success page). If it cannot finish (Oneflow unreachable), the
    /// approval stands and the reason is shown: try again here, or Re-provision the installation
    /// once it exists.
    @Sendable func approve(req: Request) async throws -> Response {
        try CSRF.verify(req)
        guard let id = req.parameters.get("request").flatMap(UUID.init(uuidString:)),
            let (request, outcome) = try await SetupApprovals(services: services, db: req.db, logger: req.logger).approve(id)
        else { throw Abort(.notFound, reason: "No such waiting request: it may have been decided already.") }
        switch outcome {
        case .connected(let installation):
            await audit(req).record(.setupApproved, by: .admin(req), installation: installation.id, subject: "\(request.oneflowAccountID)")
            return req.redirect(to: "/admin/installations", message: "\(installation.accountName) is approved and connected.")
        case .approvedNotConnected(let error):
            await audit(req).record(
                .setupApproved, by: .admin(req), installation: request.installationID, subject: "\(request.oneflowAccountID)",
                detail: "not connected yet")
            let next = request.installationID == nil ? "Approve it again to retry." : "Re-provision its installation to finish."
            return req.redirect(to: "/admin/installations", message: "\(request.accountName) is approved but not connected: \(error.title). \(next)")
        }
    }

    /// Refuses a waiting setup and forgets its token.
    @Sendable func refuse(req: Request) async throws -> Response {
        try CSRF.verify(req)
        guard let id = req.parameters.get("request").flatMap(UUID.init(uuidString:)),
            let request = try await SetupApprovals(services: services, db: req.db, logger: req.logger).refuse(id)
        else { throw Abort(.notFound, reason: "No such waiting request: it may have been decided already.") }
        await audit(req).record(.setupRefused, by: .admin(req), installation: nil, subject: "\(request.oneflowAccountID)")
        return req.redirect(to: "/admin/installations", message: "\(request.accountName)'s request is refused; its token is forgotten.")
    }

    /// Lets a Oneflow account install under `setup.accept = allowlist`.
    @Sendable func allowAccount(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let note = ((try? req.content.get(String.self, at: "note")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let text = try? req.content.get(String.self, at: "account"), let accountID = Int(text.trimmingCharacters(in: .whitespaces)),
            accountID > 0
        else {
            return req.redirect(to: "/admin/installations", message: "A Oneflow account id is a whole number, shown in Oneflow's account settings.")
        }
        guard note.count <= 200, !note.contains(where: \.isNewline) else {
            return req.redirect(to: "/admin/installations", message: "A note is one line of at most 200 characters.")
        }
        guard !services.config.setup.allowedAccounts.contains(accountID) else {
            return req.redirect(to: "/admin/installations", message: "Oneflow account \(accountID) is allowed in the configuration already.")
        }
        let exists = try await AllowedAccount.query(on: req.db).filter(\.$oneflowAccountID == accountID).first() != nil
        if !exists {
            let row = AllowedAccount(oneflowAccountID: accountID, note: note, at: services.clock.now)
            do {
                try await services.storage.writer(on: req.db).write(.background) { db in try await row.create(on: db) }
                await audit(req).record(.accountAllowed, by: .admin(req), installation: nil, subject: "\(accountID)")
            } catch let error as any DatabaseError where error.isConstraintFailure {
                // Allowed at the same moment from another page: it is allowed either way.
            }
        }
        return req.redirect(to: "/admin/installations", message: "Oneflow account \(accountID) may install.")
    }

    @Sendable func removeAccount(req: Request) async throws -> Response {
        try CSRF.verify(req)
        guard let id = req.parameters.get("account").flatMap(UUID.init(uuidString:)), let row = try await AllowedAccount.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such allowed account.")
        }
        try await services.storage.writer(on: req.db).write(.background) { db in try await row.delete(on: db) }
        await audit(req).record(.accountRemoved, by: .admin(req), installation: nil, subject: "\(row.oneflowAccountID)")
        return req.redirect(
            to: "/admin/installations",
            message: "Oneflow account \(row.oneflowAccountID) may no longer install (an installation it has keeps working).")
    }

    private func row(_ i: Installation, _ req: Request) async throws -> Row {
        let last = try await WebhookDelivery.query(on: req.db).filter(\.$installation.$id == i.requireID()).sort(\.$receivedAt, .descending).first()
        let keys = try await APIKey.query(on: req.db).filter(\.$installation.$id == i.requireID()).filter(\.$revokedAt == nil).count()
        return Row(
            id: i.id?.uuidString ?? "", account: i.accountName, accountID: i.oneflowAccountID, status: i.status.rawValue,
            templateGroup: i.templateTypeID.map { "\(services.config.extensionSettings.templateGroupName) (#\($0))" } ?? "—",
            webhook: i.webhookID.map { "#\($0)" } ?? "—", lastDelivery: AdminFormat.time(last?.receivedAt), lastError: i.lastError ?? "",
            connected: i.status != .disconnected, liveKeys: keys)
    }

    @Sendable func disconnect(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        do {
            try await DisconnectService(services: services, db: req.db, logger: req.logger).disconnect(installation, now: services.clock.now)
            await audit(req).record(.disconnected, by: .admin(req), installation: installation.id)
            return req.redirect(to: "/admin/installations", message: "\(installation.accountName) is disconnected; its HR records are kept.")
        } catch let failure as DisconnectService.Failure {
            return req.redirect(to: "/admin/installations", message: failure.description)
        }
    }

    /// Runs the setup again with the stored token (after a config change, or to repair).
    @Sendable func reprovision(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        guard let token = try InstallationSecrets(box: services.secretBox).token(of: installation) else {
            return req.redirect(to: "/admin/installations", message: Self.noToken)
        }
        do {
            _ = try await SetupService(services: services, db: req.db, logger: req.logger).connect(token: token)
            await audit(req).record(.reprovisioned, by: .admin(req), installation: installation.id)
            return req.redirect(to: "/admin/installations", message: "\(installation.accountName) is provisioned again.")
        } catch {
            return req.redirect(to: "/admin/installations", message: "\(error.title). \(error.message)")
        }
    }

    /// A fresh webhook sign key, registered in Oneflow with the stored token; the old one
    /// stays valid for `setup.sign_key_grace_seconds`.
    @Sendable func rotateSignKey(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        do {
            guard try await SetupService(services: services, db: req.db, logger: req.logger).rotateSignKey(of: installation) != nil else {
                return req.redirect(to: "/admin/installations", message: Self.noToken)
            }
            await audit(req).record(.signKeyRotated, by: .admin(req), installation: installation.id)
            let grace = AdminFormat.age(TimeInterval(services.config.setup.signKeyGraceSeconds))
            return req.redirect(
                to: "/admin/installations",
                message: "\(installation.accountName) has a new webhook sign key; the previous one stays valid for \(grace).")
        } catch let error as SetupError {
            return req.redirect(to: "/admin/installations", message: "\(error.title). \(error.message)")
        }
    }

    // MARK: One installation and its API keys

    struct KeyRow: Encodable {
        var id: String
        var name: String
        var prefix: String
        var created: String
        var lastUsed: String
        var revoked: String
        var live: Bool
    }
    struct DetailPage: Encodable {
        var title: String
        var frame: AdminFrame
        var installation: Row
        var keys: [KeyRow]
        /// A key just made: shown this once.
        var newKey: String?
        var newKeyName: String?
        var error: String?
    }

    @Sendable func detail(req: Request) async throws -> View {
        try await render(req, try await find(req))
    }

    /// Makes a key for this installation and shows it once, on this answer only (never in a
    /// redirect, a session or a log).
    @Sendable func createKey(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        let name = (try? req.content.get(String.self, at: "name")) ?? ""
        do {
            let (key, secret) = try await keys(req).create(for: installation, name: name)
            req.logger.notice(
                "api key created", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "key": "\(key.id?.uuidString ?? "")"])
            await audit(req).record(
                .apiKeyCreated, by: .admin(req), installation: installation.id, subject: key.id?.uuidString, detail: "name \"\(key.name)\"")
            return try await render(req, installation, newKey: (secret, key.name)).encodeResponse(for: req)
        } catch let failure as APIKeys.Failure {
            return try await render(req, installation, error: failure.description).encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    /// Revokes a key at once: the next request with it is 401.
    @Sendable func revokeKey(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let installation = try await find(req)
        guard let id = req.parameters.get("key").flatMap(UUID.init(uuidString:)),
            let (key, revokedNow) = try await keys(req).revoke(id, of: try installation.requireID())
        else { throw Abort(.notFound, reason: "No such key.") }
        if revokedNow {
            req.logger.notice("api key revoked", metadata: ["installation": "\(installation.id?.uuidString ?? "")", "key": "\(id)"])
            await audit(req).record(
                .apiKeyRevoked, by: .admin(req), installation: installation.id, subject: id.uuidString, detail: "name \"\(key.name)\"")
        }
        return req.redirect(to: "/admin/installations/\(installation.id?.uuidString ?? "")", message: "The key “\(key.name)” is revoked.")
    }

    private func audit(_ req: Request) -> AuditLog { services.audit(on: req.db, logger: req.logger) }

    private func keys(_ req: Request) -> APIKeys {
        APIKeys(db: req.db, writer: services.storage.writer(on: req.db), clock: services.clock)
    }

    private func render(_ req: Request, _ installation: Installation, newKey: (secret: String, name: String)? = nil, error: String? = nil)
        async throws -> View
    {
        let keys = try await keys(req).list(of: installation.requireID()).map { k in
            KeyRow(
                id: k.id?.uuidString ?? "", name: k.name, prefix: k.keyPrefix + "…", created: AdminFormat.time(k.createdAt),
                lastUsed: k.lastUsedAt.map { AdminFormat.time($0) } ?? "never", revoked: k.revokedAt.map { AdminFormat.time($0) } ?? "",
                live: k.revokedAt == nil)
        }
        return try await req.view.render(
            "admin/installation",
            DetailPage(
                title: installation.accountName, frame: AdminFrame(req, section: "installations"), installation: try await row(installation, req),
                keys: keys, newKey: newKey?.secret, newKeyName: newKey?.name, error: error))
    }

    private func find(_ req: Request) async throws -> Installation {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let installation = try await Installation.find(id, on: req.db) else {
            throw Abort(.notFound, reason: "No such installation.")
        }
        return installation
    }
}

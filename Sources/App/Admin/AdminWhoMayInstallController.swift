import Fluent
import Foundation
import Vapor

/// Who may install (`setup.accept`), on the installations page: the accounts allowed under
/// `allowlist`, to add or remove, and the setups waiting under `approval`, to approve or refuse.
struct AdminWhoMayInstallController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.post("installations", "allowed-accounts", use: allowAccount)
        routes.post("installations", "allowed-accounts", ":account", "remove", use: removeAccount)
        routes.post("installations", "requests", ":request", "approve", use: approve)
        routes.post("installations", "requests", ":request", "refuse", use: refuse)
    }

    /// The "Who may install" part of the installations page.
    struct Panel: Encodable {
        /// `setup.accept`.
        var accept: String
        var allowlist: Bool
        var allowed: [AllowedRow]
        var approval: Bool
        var requests: [RequestRow]
        var link: Bool
        /// The latest connection links (any mode: a link lets its account in whatever the mode).
        var links: [LinkRow]

        static func read(_ req: Request, setup: AppConfig.Setup) async throws -> Panel {
            var allowed = setup.allowedAccounts.sorted().map {
                AllowedRow(id: "", accountID: $0, note: "setup.allowed_accounts", added: "—", fromConfig: true)
            }
            for a in try await AllowedAccount.query(on: req.db).sort(\.$addedAt).all() where !setup.allowedAccounts.contains(a.oneflowAccountID) {
                allowed.append(
                    AllowedRow(
                        id: a.id?.uuidString ?? "", accountID: a.oneflowAccountID, note: a.note, added: AdminFormat.time(a.addedAt), fromConfig: false
                    ))
            }
            // Waiting ones, and approved ones whose setup did not get as far as an installation.
            let requests = try await SetupRequest.query(on: req.db).group(.or) { or in
                or.filter(\.$status == .pending).group(.and) { and in and.filter(\.$status == .approved).filter(\.$installationID == nil) }
            }.sort(\.$requestedAt).all().map { r in
                RequestRow(
                    id: r.id?.uuidString ?? "", approved: r.status == .approved, account: r.accountName, accountID: r.oneflowAccountID,
                    requested: AdminFormat.time(r.requestedAt), lastError: r.lastError ?? "")
            }
            let now = req.application.services.clock.now
            let links = try await ConnectLink.query(on: req.db).sort(\.$createdAt, .descending).limit(20).all().map { l in
                LinkRow(
                    reference: l.customerReference, state: l.state(at: now).rawValue, created: AdminFormat.time(l.createdAt),
                    expires: AdminFormat.time(l.expiresAt), accountID: l.oneflowAccountID.map(String.init) ?? "—",
                    installationID: l.installationID?.uuidString ?? "")
            }
            return Panel(
                accept: setup.accept.rawValue, allowlist: setup.accept == .allowlist, allowed: allowed, approval: setup.accept == .approval,
                requests: requests, link: setup.accept == .link, links: links)
        }
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
    struct LinkRow: Encodable {
        var reference: String
        /// open, used or expired.
        var state: String
        var created: String
        var expires: String
        /// The Oneflow account whose setup claimed it.
        var accountID: String
        var installationID: String
    }
    struct AllowedRow: Encodable {
        var id: String
        var accountID: Int
        var note: String
        var added: String
        /// From `setup.allowed_accounts`: changed in the configuration, not here.
        var fromConfig: Bool
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
                try await services.storage.writer(on: req.db).create(row)
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

    private func audit(_ req: Request) -> AuditLog { services.audit(on: req.db, logger: req.logger) }
}

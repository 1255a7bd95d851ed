import Crypto
import Fluent
import Foundation
import SQLKit

/// Connection links (`ConnectLink`): made for the HR system, opened by its customer's admin,
/// claimed and used up by the setup that follows.
struct ConnectLinks {
    let db: any Database
    let writer: any DatabaseWriter
    let clock: any AppClock
    /// `setup.link_valid_hours`.
    let validFor: TimeInterval

    init(db: any Database, writer: any DatabaseWriter, clock: any AppClock, setup: AppConfig.Setup) {
        (self.db, self.writer, self.clock, validFor) = (db, writer, clock, TimeInterval(setup.linkValidHours) * 3600)
    }

    static let referenceLimit = 200

    /// Why a link was not made, in words for the API's `reason`.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes a link for `customerReference`. - Returns: the link and its secret, which only the
    /// URL carries (shown once; only its hash is kept).
    func create(customerReference reference: String, by creator: String) async throws -> (link: ConnectLink, secret: String) {
        // As the OpenAPI document says: 1 to 200 code points, kept exactly as given, since it
        // is the HR system's own key for its customer (pages escape it; logs never carry it).
        guard (1...Self.referenceLimit).contains(reference.unicodeScalars.count) else {
            throw Refusal(description: "customer_reference must be 1 to \(Self.referenceLimit) characters.")
        }
        // PostgreSQL stores no NUL in text: refused, not a server error.
        guard !reference.unicodeScalars.contains("\u{0}") else {
            throw Refusal(description: "customer_reference may not contain the NUL character (U+0000).")
        }
        let secret = RandomToken.make(bytes: 24)
        let link = ConnectLink(tokenHash: Self.hash(secret), customerReference: reference, createdBy: creator, at: clock.now, validFor: validFor)
        try await writer.create(link)
        return (link, secret)
    }

    static func hash(_ secret: String) -> String { SHA256.hash(data: Data(secret.utf8)).lowercaseHex }

    func find(secret: String) async throws -> ConnectLink? {
        // Nothing that is not a link's secret reaches the database (32 URL-safe characters).
        guard secret.count == 32, secret.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        return try await ConnectLink.query(on: db).filter(\.$tokenHash == Self.hash(secret)).first()
    }

    /// The link a setup of `accountID` uses: the one its browser opened, else one this account
    /// claimed before (a setup that failed after claiming it, run again from another browser);
    /// claimed for the account. nil when there is none it may use — used, expired, another
    /// account's, or for another customer than the one the account's installation is bound to
    /// (a link never moves an installation to another customer: it is left for its own).
    func forSetup(opened: UUID?, accountID: Int, boundTo reference: String?) async throws -> ConnectLink? {
        let candidate: ConnectLink?
        if let opened {
            candidate = try await ConnectLink.find(opened, on: db)
        } else {
            candidate = try await ConnectLink.query(on: db).filter(\.$oneflowAccountID == accountID).filter(\.$usedAt == nil)
                .sort(\.$createdAt, .descending).all().first { $0.state(at: clock.now) == .open }
        }
        guard let candidate else { return nil }
        if let reference, candidate.customerReference != reference { return nil }
        return try await claim(candidate, for: accountID)
    }

    /// Claims the link for `accountID`'s setup: it must be open, and not claimed by another
    /// account (one conditional UPDATE, so two setups racing with one link cannot both have it).
    /// - Returns: the link, or nil when it may not be used by this account.
    private func claim(_ link: ConnectLink, for accountID: Int) async throws -> ConnectLink? {
        guard link.state(at: clock.now) == .open else { return nil }
        let id = try link.requireID()
        let rows = try await writer.write(.background) { db in
            try await db.sql().raw(
                """
                UPDATE connect_links SET oneflow_account_id = \(bind: accountID)
                WHERE id = \(bind: id) AND used_at IS NULL AND (oneflow_account_id IS NULL OR oneflow_account_id = \(bind: accountID))
                RETURNING id
                """
            ).all()
        }
        guard !rows.isEmpty else { return nil }
        link.oneflowAccountID = accountID
        return link
    }

    /// Uses the claimed link up for `installation`, binding it to the link's customer reference.
    /// In the transaction that marks the installation active.
    static func useUp(_ link: ConnectLink, by installation: Installation, on tx: any Database, now: Date) async throws {
        installation.hrCustomerReference = link.customerReference
        try await installation.save(on: tx)
        link.usedAt = now
        link.installationID = try installation.requireID()
        try await link.save(on: tx)
    }
}

extension AppServices {
    /// Connection links (`setup.accept = link`), read and written on `db`.
    func connectLinks(on db: any Database) -> ConnectLinks {
        ConnectLinks(db: db, writer: storage.writer(on: db), clock: clock, setup: config.setup)
    }
}

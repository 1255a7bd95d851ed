import Fluent
import Foundation
import OneflowAPI
import Vapor

/// What a 401 from Oneflow means. Oneflow answers 401 both for a token it no longer knows
/// (typically the extension was disabled) and for an `x-oneflow-user-email` that is not an
/// active user of the account (oneflow-api.md, errors; https://developer.oneflow.com/docs/authentication-and-authorization).
/// Only the first disconnects an installation: a 401 to a call that named a user is told
/// apart by asking `GET /v1/ping` again without one.
enum UnauthorizedCause: Equatable {
    /// The token is revoked.
    case token
    /// The token works; the user the call acted as (`oneflow.user_email`) does not.
    case userEmail
    /// Neither is certain: the check itself got no answer.
    case unknown

    static func of(_ credentials: OneflowCredentials, oneflow: any OneflowClient) async -> UnauthorizedCause {
        guard credentials.userEmail != nil else { return .token }
        do {
            try await oneflow.ping(OneflowCredentials(token: credentials.token, userEmail: nil))
            return .userEmail
        } catch {
            return error.isUnauthorized ? .token : .unknown
        }
    }

    static let userEmailMessage =
        "Oneflow answered 401 for the user HR Bridge acts as (oneflow.user_email): it is not an active user of this account. "
        + "The token works; set oneflow.user_email to an active user's email (or empty), then replay."
}

/// Calls Oneflow for an installation; a 401 that means the token was revoked (`UnauthorizedCause`)
/// marks the installation disconnected, visibly, before the error goes on.
struct InstallationCaller {
    /// Where the disconnection is saved (`DatabaseWriter`).
    let writer: any DatabaseWriter
    let logger: Logger
    let clock: any AppClock
    let oneflow: any OneflowClient

    // `body` is untyped: a typed-throws closure parameter here crashes Swift 6.3.1's SIL
    // pass ClosureLifetimeFixup.
    func call<T>(_ installation: Installation, _ credentials: OneflowCredentials, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as OneflowError where error.isUnauthorized {
            guard await UnauthorizedCause.of(credentials, oneflow: oneflow) == .token else {
                logger.error(
                    "oneflow: 401 for oneflow.user_email, not for the token", metadata: ["installation": "\(installation.id?.uuidString ?? "")"])
                throw error
            }
            let now = clock.now
            try await writer.write(.background) { db in try await Self.disconnect(installation, at: now, on: db) }
            logger.warning("installation disconnected: Oneflow answered 401", metadata: ["installation": "\(installation.id?.uuidString ?? "")"])
            throw error
        }
    }

    /// Marks the installation disconnected, with the reason on its page (also the sync
    /// pipeline's, inside its write transaction; the caller logs it once committed).
    static func disconnect(_ installation: Installation, at now: Date, on db: any Database) async throws {
        installation.status = .disconnected
        installation.disconnectedAt = now
        installation.lastError = "Oneflow rejected the token (401): the extension was probably disabled. Enable it again to reconnect."
        try await installation.save(on: db)
    }
}

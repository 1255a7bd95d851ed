import Fluent
import Foundation
import OneflowAPI
import Vapor

/// Calls Oneflow for an installation; a 401 means the token was revoked (typically the
/// extension was disabled), so the installation is marked disconnected, visibly, before the
/// error goes on. https://developer.oneflow.com/docs/authentication-and-authorization
struct InstallationCaller {
    /// Where the disconnection is saved (`DatabaseWriter`).
    let writer: any DatabaseWriter
    let logger: Logger
    let clock: any AppClock

    // `body` is untyped: a typed-throws closure parameter here crashes Swift 6.3.1's SIL
    // pass ClosureLifetimeFixup.
    func call<T>(_ installation: Installation, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as OneflowError where error.isUnauthorized {
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

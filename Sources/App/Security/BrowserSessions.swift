import Crypto
import Fluent
import Foundation
import OneflowAPI
import Synchronization
import Vapor

/// Browser sessions (the setup hand-over, the admin sign-in), in the database so that several
/// instances share them, with their lifetime enforced here rather than trusted to the cookie:
///
/// - a session is valid for at most `absoluteLifetime` after it was created, and ends after
///   `idleTimeout` without a request;
/// - a session with no data is never stored: an anonymous page view costs no row (its forms
///   use the double-submit CSRF cookie, `CSRF`);
/// - the row is keyed by a SHA-256 of the cookie's id, so a copy of the table opens no session;
/// - expired rows are purged, at most once per `purgeInterval` per process.
final class BrowserSessions: SessionDriver {
    static let absoluteLifetime: TimeInterval = 8 * 3600
    static let idleTimeout: TimeInterval = 30 * 60
    static let purgeInterval: TimeInterval = 600

    let clock: any AppClock
    let storage: AppStorage
    private let lastPurge = Mutex<Date?>(nil)

    init(clock: any AppClock, storage: AppStorage) {
        self.clock = clock
        self.storage = storage
    }

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        let id = SessionID(string: RandomToken.make(bytes: 32))
        // Nothing to keep (a stale cookie's empty replacement): hand out an id, store nothing.
        guard !data.snapshot.isEmpty else { return request.eventLoop.makeSucceededFuture(id) }
        return request.eventLoop.makeFutureWithTask { [self] in
            let time = clock.now
            let row = BrowserSession(key: Self.key(id), data: try Self.encode(data), at: time)
            try await storage.writer(on: request.db).create(row)
            // A purge that fails is tried again later; the sign-in that ran it goes on.
            try? await purgeIfDue(request.db, at: time)
            return id
        }
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        request.eventLoop.makeFutureWithTask { [self] in
            guard let row = try await BrowserSession.query(on: request.db).filter(\.$key == Self.key(sessionID)).first() else { return nil }
            guard Self.isValid(createdAt: row.createdAt, lastSeenAt: row.lastSeenAt, now: clock.now) else {
                try await storage.writer(on: request.db).write(.background) { db in try await row.delete(on: db) }
                return nil
            }
            return try? JSONDecoder().decode(SessionData.self, from: Data(row.data.utf8))
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask { [self] in
            let (encoded, now) = (try Self.encode(data), clock.now)
            try await storage.writer(on: request.db).write(.background) { db in
                try await BrowserSession.query(on: db).filter(\.$key == Self.key(sessionID))
                    .set(\.$data, to: encoded).set(\.$lastSeenAt, to: now).update()
            }
            return sessionID
        }
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        request.eventLoop.makeFutureWithTask { [storage] in
            try await storage.writer(on: request.db).write(.background) { db in
                try await BrowserSession.query(on: db).filter(\.$key == Self.key(sessionID)).delete()
            }
        }
    }

    static func isValid(createdAt: Date, lastSeenAt: Date, now: Date) -> Bool {
        now < createdAt.addingTimeInterval(absoluteLifetime) && now < lastSeenAt.addingTimeInterval(idleTimeout)
    }

    /// Deletes every session past its absolute lifetime or idle timeout.
    func purgeExpired(_ db: any Database, at time: Date) async throws {
        try await storage.writer(on: db).write(.background) { db in
            try await BrowserSession.query(on: db).group(.or) { expired in
                expired.filter(\.$createdAt < time.addingTimeInterval(-Self.absoluteLifetime))
                    .filter(\.$lastSeenAt < time.addingTimeInterval(-Self.idleTimeout))
            }.delete()
        }
    }

    private func purgeIfDue(_ db: any Database, at time: Date) async throws {
        let due = lastPurge.withLock { last in
            guard last.map({ time.timeIntervalSince($0) >= Self.purgeInterval }) ?? true else { return false }
            last = time
            return true
        }
        if due { try await purgeExpired(db, at: time) }
    }

    static func key(_ id: SessionID) -> String {
        SHA256.hash(data: Data(id.string.utf8)).lowercaseHex
    }

    private static func encode(_ data: SessionData) throws -> String {
        String(decoding: try JSONEncoder().encode(data), as: UTF8.self)
    }
}

/// One stored browser session.
final class BrowserSession: Model, @unchecked Sendable {
    static let schema = "browser_sessions"

    @ID(key: .id) var id: UUID?
    /// SHA-256 (hex) of the session cookie's value.
    @Field(key: "key") var key: String
    /// The session's data as JSON (CSRF token, admin flag, setup hand-over …).
    @Field(key: "data") var data: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date

    init() {}

    init(key: String, data: String, at time: Date) {
        self.key = key
        self.data = data
        createdAt = time
        lastSeenAt = time
    }
}

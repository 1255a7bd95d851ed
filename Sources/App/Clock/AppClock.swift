import Foundation

/// The time, as HR Bridge reads it. Feature code asks `AppServices.clock` (or is handed a
/// `now`), never `Date()`, so a test moves time — past a backoff, a lease, a lockout, a
/// cache's lifetime — instead of sleeping through it.
public protocol AppClock: Sendable {
    var now: Date { get }
}

/// The system's wall clock: what every process runs on.
public struct SystemClock: AppClock {
    public init() {}
    public var now: Date { Date() }
}

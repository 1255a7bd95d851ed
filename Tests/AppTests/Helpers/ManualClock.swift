import Foundation
import Synchronization

@testable import App

/// A clock a test moves: past a lockout, a cache's lifetime, a backoff — instead of sleeping.
final class ManualClock: AppClock {
    private let current: Mutex<Date>

    init(_ start: Date = Date()) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

import Foundation

/// Oneflow's webhook retry schedule: after a failed attempt, wait 1, 5, 10, 30, 60, 300,
/// 600, 1800, 3600 seconds; 10 attempts in total, then give up.
/// https://developer.oneflow.com/docs/introduction and https://developer.oneflow.com/docs/webhook-and-event
public struct RetrySchedule: Sendable, Equatable {
    public static let oneflowDelays: [TimeInterval] = [1, 5, 10, 30, 60, 300, 600, 1800, 3600]

    /// 1.0 is Oneflow's real timing; tests compress it (0.001 → the whole schedule in ~6 s).
    public var scale: Double

    public init(scale: Double = 1.0) {
        self.scale = scale
    }

    public var maxAttempts: Int { Self.oneflowDelays.count + 1 }

    /// The wait after attempt `number` (1-based) failed, or nil when that was the last one.
    public func delay(afterAttempt number: Int) -> TimeInterval? {
        guard number >= 1, number <= Self.oneflowDelays.count else { return nil }
        return Self.oneflowDelays[number - 1] * scale
    }
}

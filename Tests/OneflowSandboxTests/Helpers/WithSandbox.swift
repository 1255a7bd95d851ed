import Foundation
import OneflowAPI

/// Runs `body` against a fresh sandbox and receiver, and always tears both down.
func withSandbox(
    retryScale: Double = 1.0, dataFile: String? = nil, receiverStatuses: [UInt] = [],
    _ body: (SandboxHarness) async throws -> Void
) async throws {
    let harness = try await SandboxHarness.start(retryScale: retryScale, dataFile: dataFile, receiverStatuses: receiverStatuses)
    do {
        try await body(harness)
    } catch {
        try? await harness.stop()
        throw error
    }
    try await harness.stop()
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass. Waiting for a background
/// effect to show, not measuring speed: the limit is generous.
func eventually(within seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

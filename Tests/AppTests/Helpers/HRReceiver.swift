import Foundation
import TestSupport

/// Plays the HR system's notification endpoint: the shared recording server, answering the
/// next of its `statuses` (then 200) to each POST.
typealias HRReceiver = RecordingServer

extension RecordingServer {
    var url: String { baseURL + "/hr/notify" }
    var received: [Recorded] { requests }
}

extension RecordingServer.Recorded {
    /// The notification's HMAC header.
    var signature: String? { headers["x-signature"] }
}

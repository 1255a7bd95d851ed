import Vapor

/// A route that takes a larger body than the default (`routes.defaultMaxBodySize`, 16 kB).
/// `BoundedHTTPServer` reads the limit (through `RequestLimits`) from the request head, before
/// the body arrives, and reads the body for the route: the route's own `.collect(maxSize:)`
/// is what Vapor's in-memory test requests meet, the server's limit what real ones meet.
extension Route {
    private static let bodyLimitKey = "hrbridge.body_limit"

    /// Accepts bodies up to `size` (e.g. "64kb").
    @discardableResult
    func bodyLimit(_ size: ByteCount) -> Route {
        userInfo[AnySendableHashable(Self.bodyLimitKey)] = size.value
        return self
    }

    var bodyLimit: Int? { userInfo[AnySendableHashable(Self.bodyLimitKey)] as? Int }
}

import Vapor

/// A route that takes a larger body than the default (`routes.defaultMaxBodySize`, 16 kB):
/// `RequestLimitsMiddleware` reads the limit from the route, before the body arrives, so a
/// route's own `.collect(maxSize:)` is not enough.
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

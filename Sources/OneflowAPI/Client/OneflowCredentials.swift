/// What authenticates a call to Oneflow: the extension token and, optionally, the email of an
/// active user of the same account.
/// https://developer.oneflow.com/docs/authentication-and-authorization
///
/// The description never shows the token, so a credentials value can be logged or
/// interpolated into an error by mistake without leaking it.
public struct OneflowCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Oneflow tokens are exactly 40 characters (header parameter "length between 40 and 40",
    /// https://developer.oneflow.com/reference/create-a-webhook).
    public static let tokenLength = 40

    public let token: String
    public let userEmail: String?

    public init(token: String, userEmail: String? = nil) {
        self.token = token
        self.userEmail = userEmail?.isEmpty == true ? nil : userEmail
    }

    /// The `x-oneflow-user-email` value that means "act as the contract's creator". Not on the
    /// official pages: Oneflow's Power Platform connector sends it by default for publish and
    /// updates (`shared/oneflow-contract-creation.md` §1).
    public static let contractCreator = "__CREATOR__"

    /// The same token, acting as the creator of the contract the call is about.
    public func actingAsCreator() -> OneflowCredentials {
        OneflowCredentials(token: token, userEmail: Self.contractCreator)
    }

    /// True when the token has Oneflow's shape: 40 visible ASCII characters.
    public var tokenLooksValid: Bool {
        token.utf8.count == Self.tokenLength && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    public var description: String { "OneflowCredentials(token: <redacted>, userEmail: \(userEmail ?? "none"))" }
    public var debugDescription: String { description }
}

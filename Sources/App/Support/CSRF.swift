import Crypto
import Foundation
import OneflowAPI
import Vapor

/// Synchroniser-token CSRF protection for our forms: a random token kept in the session and
/// echoed by every form as `csrf_token`; a POST without the matching token is refused.
enum CSRF {
    static let sessionKey = "csrf"
    static let field = "csrf_token"

    /// The session's token, created on first use.
    static func token(for req: Request) -> String {
        if let existing = req.session.data[sessionKey] { return existing }
        let token = RandomToken.make(bytes: 32)
        req.session.data[sessionKey] = token
        return token
    }

    static func verify(_ req: Request) throws {
        let sent = try? req.content.get(String.self, at: field)
        guard let expected = req.session.data[sessionKey], let sent, ConstantTime.equals(sent, expected) else {
            throw Abort(.forbidden, reason: "This form has expired or did not come from this site. Please open the page again and retry.")
        }
    }
}

/// Unguessable identifiers and keys: `bytes` of system randomness, base64url without padding.
enum RandomToken {
    static func make(bytes: Int) -> String {
        SymmetricKey(size: .init(bitCount: bytes * 8)).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

import Fluent
import Foundation
import Vapor

/// An installation's own notification target as an admin submits it. A blank key, secret or
/// client key keeps the stored one (they are never shown again); `forget_*` drops it.
struct NotificationTargetForm: Content {
    var endpoint: String
    var key: String? = nil
    var secret: String? = nil
    var timeout_seconds: String? = nil
    var ca_pem: String? = nil
    var client_certificate_pem: String? = nil
    var client_key_pem: String? = nil
    var forget_key: String? = nil
    var forget_secret: String? = nil
    var forget_client_certificate: String? = nil

    static let defaultTimeoutSeconds = 10
    static let timeoutRange = 1...120

    /// Why a target was not saved, in words for the admin page.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The destination this form describes, over `stored` where a secret field is left blank.
    func destination(over stored: NotificationDestination?) throws(Refusal) -> NotificationDestination {
        let endpoint: String
        do {
            endpoint = try ConfigValidation.httpURL(self.endpoint.trimmingCharacters(in: .whitespacesAndNewlines), key: "endpoint")
        } catch {
            throw Refusal("The endpoint must be an http(s) URL without a query or fragment (the key goes in its own field).")
        }
        let timeout: Int
        if let text = Self.value(timeout_seconds) {
            guard let seconds = Int(text), Self.timeoutRange.contains(seconds) else {
                throw Refusal("The timeout must be a whole number of seconds from 1 to 120.")
            }
            timeout = seconds
        } else {
            timeout = Self.defaultTimeoutSeconds
        }
        let keepsCertificate = forget_client_certificate == nil && Self.value(client_certificate_pem) == nil
        let tls = OutboundTLS(
            trustPEM: Self.value(ca_pem),
            certificatePEM: Self.value(client_certificate_pem) ?? (keepsCertificate ? stored?.tls.certificatePEM : nil),
            keyPEM: Self.value(client_key_pem) ?? (forget_client_certificate == nil ? stored?.tls.keyPEM : nil))
        do {
            _ = try tls.configuration()
        } catch {
            throw Refusal("The certificates do not load: \(error).")
        }
        return NotificationDestination(
            endpoint: endpoint, key: Self.value(key) ?? (forget_key == nil ? stored?.key : nil),
            secret: Self.value(secret) ?? (forget_secret == nil ? stored?.secret : nil), timeoutSeconds: timeout, tls: tls)
    }

    /// nil for an absent or blank field.
    private static func value(_ field: String?) -> String? {
        guard let trimmed = field?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}

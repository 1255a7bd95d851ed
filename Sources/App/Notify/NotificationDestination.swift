import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Where and how one notification is POSTed: `notify.*`, or an installation's own
/// `NotificationTarget`. The query key goes into the URL (`?key=`), the body is signed
/// with the secret (`X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`).
struct NotificationDestination: Sendable {
    var endpoint: String
    var key: String?
    var secret: String?
    var timeoutSeconds: Int
    var tls: OutboundTLS

    /// `notify.*`; nil when `notify.endpoint` is not set. Reads the TLS files.
    init?(settings: AppConfig.Notify) throws(ConfigError) {
        guard let endpoint = settings.endpoint else { return nil }
        do {
            tls = try .files(ca: settings.caFile, certificate: settings.clientCertificateFile, key: settings.clientKeyFile)
            _ = try tls.configuration()
        } catch {
            throw ConfigError(key: "notify.client_certificate_file", "cannot load the CA file, client certificate or key: \(error)")
        }
        (self.endpoint, key, secret, timeoutSeconds) = (endpoint, settings.key, settings.secret, settings.connectionTimeoutSeconds)
    }

    init(endpoint: String, key: String?, secret: String?, timeoutSeconds: Int, tls: OutboundTLS) {
        (self.endpoint, self.key, self.secret, self.timeoutSeconds, self.tls) = (endpoint, key, secret, timeoutSeconds, tls)
    }

    static func signature(of body: String, secret: String) -> String {
        "sha256="
            + HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            .lowercaseHex
    }

    var url: String {
        guard let key else { return endpoint }
        return endpoint + (endpoint.contains("?") ? "&" : "?") + "key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)
    }

    /// POSTs `body`. - Returns: nil when it answered 2xx, else why not, in words safe for a
    /// log and the admin page (a status, or what kept an answer from coming).
    func post(_ body: String, via http: any OutboundHTTP) async -> String? {
        var headers = [("content-type", "application/json"), ("user-agent", "hrbridge/1.0")]
        if let secret { headers.append(("x-signature", Self.signature(of: body, secret: secret))) }
        do {
            let status = try await http.post(url, headers: headers, body: body, timeout: .seconds(Int64(timeoutSeconds)), tls: tls)
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return Self.describe(error, timeoutSeconds: timeoutSeconds)
        }
    }

    /// What kept an answer from coming; never the URL (it carries the key).
    static func describe(_ error: any Error, timeoutSeconds: Int) -> String {
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded || error == .connectTimeout || error == .readTimeout:
            return "no answer within \(timeoutSeconds) s"
        case let error as HTTPClientError:
            return "HTTP client: \(error)"
        default:
            return String(String(describing: error).prefix(300))
        }
    }
}

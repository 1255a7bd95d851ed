import Foundation
import NIOSSL

/// The TLS side of a notification endpoint, as PEM text: whom to trust (nil: the system's
/// trust store) and which client certificate to show (nil: none). `notify.*` names files,
/// which are read once at start-up; an installation's own target keeps the PEM it was given.
struct OutboundTLS: Hashable, Sendable {
    var trustPEM: String?
    var certificatePEM: String?
    var keyPEM: String?

    static let system = OutboundTLS()

    /// From `notify.ca_file`, `notify.client_certificate_file` and `notify.client_key_file`.
    static func files(ca: String?, certificate: String?, key: String?) throws -> OutboundTLS {
        func read(_ path: String?) throws -> String? {
            guard let path else { return nil }
            return try String(contentsOfFile: path, encoding: .utf8)
        }
        return OutboundTLS(trustPEM: try read(ca), certificatePEM: try read(certificate), keyPEM: try read(key))
    }

    /// Throws, with NIOSSL's reason, when a PEM does not parse or a certificate has no key.
    func configuration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustPEM { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(trustPEM.utf8))) }
        switch (certificatePEM, keyPEM) {
        case (nil, nil): break
        case (let certificate?, let key?):
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
        default: throw Incomplete()
        }
        return tls
    }

    struct Incomplete: Error, CustomStringConvertible {
        var description: String { "a client certificate needs its private key, and a key its certificate" }
    }
}

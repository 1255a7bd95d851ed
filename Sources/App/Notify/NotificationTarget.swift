import Fluent
import Foundation

/// Where one installation's notifications go instead of `notify.*`: the same settings, set on
/// its admin page and proven by a test POST when saved (`NotificationTargets.save`). The query
/// key, the signing secret and the client key are sealed (`SecretBox`); the endpoint and the
/// certificates are not secret and are shown.
final class NotificationTarget: Model, @unchecked Sendable {
    static let schema = "notification_targets"

    @ID(key: .id) var id: UUID?
    @Parent(key: "installation_id") var installation: Installation
    @Field(key: "endpoint") var endpoint: String
    @OptionalField(key: "key_sealed") var keySealed: String?
    @OptionalField(key: "secret_sealed") var secretSealed: String?
    @Field(key: "timeout_seconds") var timeoutSeconds: Int
    /// PEM: the certificates the endpoint's must chain to, instead of the system's.
    @OptionalField(key: "ca_pem") var caPEM: String?
    /// PEM: our client certificate, for an endpoint that asks for one (mutual TLS).
    @OptionalField(key: "client_certificate_pem") var clientCertificatePEM: String?
    @OptionalField(key: "client_key_sealed") var clientKeySealed: String?
    /// When the test POST last answered 2xx (the save).
    @Field(key: "verified_at") var verifiedAt: Date

    init() {}

    init(installationID: UUID, at time: Date) {
        id = .timeOrdered(at: time)
        $installation.id = installationID
        verifiedAt = time
    }
}

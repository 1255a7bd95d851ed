import Crypto
import Foundation

/// What Oneflow POSTs to a webhook's callback URL. https://developer.oneflow.com/docs/webhook-and-event
///
/// It carries only ids: everything else must be fetched with the REST API, and the body is
/// not covered by the signature, so it is a hint, never the state.
public struct WebhookNotification: Codable, Sendable, Equatable {
    public var contract: ContractRef
    /// Identical for all retries of one event webhook: the idempotency key.
    public var callbackID: String
    public var events: [ContractEvent]
    public var signature: String

    public init(contract: ContractRef, callbackID: String, events: [ContractEvent], signature: String) {
        self.contract = contract
        self.callbackID = callbackID
        self.events = events
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey {
        case contract
        case callbackID = "callback_id"
        case events, signature
    }

    public struct ContractRef: Codable, Sendable, Equatable {
        public var id: Int
        public init(id: Int) { self.id = id }
    }

    /// `signature = sha1(callback_id + sign_key)`, lowercase hex.
    /// https://developer.oneflow.com/docs/introduction (webhook security)
    public static func signature(callbackID: String, signKey: String) -> String {
        Insecure.SHA1.hash(data: Data((callbackID + signKey).utf8)).lowercaseHex
    }

    /// Whether `signature` matches one of `signKeys`, compared in constant time.
    public func isSigned(byAnyOf signKeys: [String]) -> Bool {
        var matched = false
        for key in signKeys {
            matched = ConstantTime.equals(Self.signature(callbackID: callbackID, signKey: key), signature.lowercased()) || matched
        }
        return matched
    }
}

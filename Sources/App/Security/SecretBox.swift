import Crypto
import Foundation
import OneflowAPI

/// Encrypts secrets at rest (extension tokens, sign keys, personal numbers) with AES-256-GCM.
///
/// Sealed form: `v1.<key id>.<base64(nonce ‖ ciphertext ‖ tag)>`. The key id (first 8 hex
/// digits of SHA-256 of the key) travels with every ciphertext, so the master key can rotate:
/// new values are sealed with the current key, old ones still open with a previous key
/// (`security.previous_master_keys`) until they are re-sealed.
public struct SecretBox: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed
        case unknownKey(String)
        case tampered

        public var description: String {
            switch self {
            case .malformed: "sealed secret is malformed"
            case .unknownKey(let id): "sealed with master key \(id), which is not configured"
            case .tampered: "sealed secret failed authentication (tampered, or a different key with the same id)"
            }
        }
    }

    private let current: (id: String, key: SymmetricKey)
    private let keys: [String: SymmetricKey]

    /// - Parameters:
    ///   - masterKey: 32 bytes.
    ///   - previousKeys: earlier master keys, for opening only.
    public init(masterKey: Data, previousKeys: [Data] = []) {
        precondition(masterKey.count == 32, "master key must be 32 bytes")
        let key = SymmetricKey(data: masterKey)
        current = (Self.keyID(key), key)
        var all = [current.id: key]
        for data in previousKeys {
            let previous = SymmetricKey(data: data)
            all[Self.keyID(previous)] = all[Self.keyID(previous)] ?? previous
        }
        keys = all
    }

    public var currentKeyID: String { current.id }

    /// The ids of every key this box opens with: the current one first, then previous ones.
    public var keyIDs: [String] { [current.id] + keys.keys.filter { $0 != current.id }.sorted() }

    /// The id of the key `sealed` was sealed with (a hash, never the key), if it is well formed.
    public static func keyID(ofSealed sealed: String) -> String? {
        parse(sealed)?.keyID
    }

    /// `v1.<key id>.<payload>` → its key id and base64 payload; nil for any other form.
    private static func parse(_ sealed: String) -> (keyID: String, payload: String)? {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "v1" ? (String(parts[1]), String(parts[2])) : nil
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: current.key)
        guard let combined = box.combined else { throw Failure.malformed }
        return "v1.\(current.id).\(combined.base64EncodedString())"
    }

    public func open(_ sealed: String) throws -> String {
        guard let (keyID, payload) = Self.parse(sealed), let data = Data(base64Encoded: payload) else { throw Failure.malformed }
        guard let key = keys[keyID] else { throw Failure.unknownKey(keyID) }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            let plain = try AES.GCM.open(box, using: key)
            guard let text = String(data: plain, encoding: .utf8) else { throw Failure.malformed }
            return text
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.tampered
        }
    }

    /// Whether a sealed value was sealed with an older key and should be re-sealed.
    public func needsResealing(_ sealed: String) -> Bool {
        !sealed.hasPrefix("v1.\(current.id).")
    }

    static func keyID(_ key: SymmetricKey) -> String {
        key.withUnsafeBytes { SHA256.hash(data: Data($0)) }.prefix(4).lowercaseHex
    }
}

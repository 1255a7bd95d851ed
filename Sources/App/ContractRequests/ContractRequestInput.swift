import Crypto
import Foundation
import OneflowAPI
import Vapor

/// The body of `POST /api/v1/contract-requests` (and of the admin's "New contract" form), as
/// the HR system sends it. Everything is optional here, so that what is missing or wrong is
/// answered by `ContractRequestCheck` with a 422 naming each field, not a decoding error.
struct ContractRequestInput: Content, Equatable {
    /// A new hire: the person who signs, not yet an employee in HR Bridge.
    struct Person: Codable, Sendable, Equatable {
        var name: String?
        var email: String?
        /// E.164, e.g. `+46701234567`.
        var phone: String?
        /// A signing identity (e-ID methods check it): personal data, stored sealed.
        var personal_number: String?
        var title: String?
    }

    /// Operator keys name it; a scoped key's own is implied.
    var installation_id: UUID?
    var employee_id: UUID?
    var person: Person?
    /// HR fields (`start_date`, `salary` …) → value; numbers and booleans are read as text.
    var fields: [String: FieldValue]?
    var template_id: Int?
    var workspace_id: Int?
    /// The contract's name in Oneflow (default: "Employment contract – <name>").
    var name: String?
    var delivery_channel: String?
    var sign_method: String?
    var two_step_authentication_method: String?
    var subject: String?
    var message: String?
    /// Publish (send for signing) once created; otherwise it stays a draft.
    var send: Bool?
    /// A colleague on our side of the contract, such as the line manager: the email of an
    /// active user of the Oneflow account (owner-side participants must be users). They can
    /// follow and edit it; they do not sign.
    var manager_email: String?

    /// A field's value as text: HR systems send `42000` as often as `"42000"`.
    struct FieldValue: Codable, Sendable, Equatable {
        var text: String

        init(_ text: String) { self.text = text }

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let string = try? c.decode(String.self) {
                text = string
            } else if let int = try? c.decode(Int.self) {
                text = String(int)
            } else if let double = try? c.decode(Double.self) {
                text = String(double)
            } else if let bool = try? c.decode(Bool.self) {
                text = bool ? "1" : "0"
            } else {
                throw DecodingError.typeMismatch(
                    String.self, .init(codingPath: decoder.codingPath, debugDescription: "a field's value is text, a number or a boolean"))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(text)
        }
    }

    /// Whether any of its text holds U+0000 (JSON writes it `\u0000`).
    var containsNUL: Bool {
        guard let data = try? JSONEncoder().encode(self) else { return false }
        return String(decoding: data, as: UTF8.self).contains("\\u0000")
    }

    /// The body as read (`JSONEncoder.fingerprint`).
    var fingerprint: String { JSONEncoder.fingerprint(of: self) }
}

extension JSONEncoder {
    /// SHA-256 of `value` as `sorted` writes it (keys sorted), in lowercase hex: a body's
    /// fingerprint, so an `Idempotency-Key` sent again with the same body (a contract request,
    /// a batch) is told apart from one reused for another.
    static func fingerprint(of value: some Encodable) -> String {
        SHA256.hash(data: (try? sorted.encode(value)) ?? Data()).lowercaseHex
    }
}

import Foundation
import OneflowAPI

/// How values must look, and how problems with the signer's attributes are said.
extension ContractRequestCheck {
    static func formatProblem(_ value: String, _ format: AppConfig.DataFieldSpec.ValueFormat) -> String? {
        switch format {
        case .text: return nil
        case .number: return Double(value) == nil ? "Not a number (such as 42000 or 37.5)." : nil
        case .date:
            guard value.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil, let date = OneflowDate.parse(value + "T00:00:00+0000"),
                ContractMapper.day(date) == value
            else { return "Not a date in the form YYYY-MM-DD (such as 2027-01-15)." }
            return nil
        }
    }

    /// A phone number without the spaces, dashes, dots and brackets people write in it.
    static func compactPhone(_ text: String) -> String {
        text.filter { !" -.()\u{00A0}".contains($0) }
    }

    /// `+` and 7–15 digits, the first not 0: the form Oneflow's examples use (E.164).
    static func isE164(_ text: String) -> Bool { text.wholeMatch(of: /\+[1-9][0-9]{6,14}/) != nil }

    static func looksLikeEmail(_ text: String) -> Bool {
        text.count <= 254 && text.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) != nil
    }

    /// A participant attribute, as the request names it.
    static func field(for attribute: String, who: String) -> String {
        switch attribute {
        case "delivery_channel", "sign_method", "two_step_authentication_method": attribute
        case "phone_number": "\(who).phone"
        case "identification_number": "\(who).personal_number"
        default: "\(who).\(attribute)"
        }
    }

    static func words(attribute: String, _ message: String, who: String) -> String {
        let subject = who == "employee" ? "The employee has no" : "Missing:"
        switch attribute {
        case "email": return "\(subject) email address, \(message)."
        case "phone_number": return "\(subject) phone number, \(message)."
        case "identification_number": return "\(subject) personal number, \(message)."
        case "delivery_channel": return "Delivery channel \(message)."
        case "sign_method": return "Sign method \(message)."
        case "two_step_authentication_method": return "Two-step authentication \(message)."
        default: return message.prefix(1).uppercased() + message.dropFirst() + "."
        }
    }
}

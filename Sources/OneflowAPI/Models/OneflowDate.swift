import Foundation

/// Oneflow's datetime format: `%Y-%m-%dT%H:%M:%S%z`, e.g. `2020-06-30T07:15:23+0000`.
/// https://developer.oneflow.com/docs/type-reference
///
/// Parsed by hand rather than with `DateFormatter` so that it is `Sendable`, locale-proof and
/// also tolerant of the forms other Oneflow pages show (`Z`, `+00:00`, fractional seconds).
public enum OneflowDate {
    /// Formats a date the way Oneflow writes it (UTC, `+0000`), whole seconds (rounded down).
    ///
    /// Arithmetic rather than `Calendar` and `String(format:)`: the webhook receiver formats
    /// every event's time, and a Gregorian calendar made per call cost more than the rest of
    /// the formatting (bench/RESULTS.md). Days to date: H. Hinnant's `civil_from_days`
    /// (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
    public static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))T\(padded(second / 3_600, 2)):"
            + "\(padded(second % 3_600 / 60, 2)):\(padded(second % 60, 2))+0000"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HHMM|±HH:MM)`; `nil` for anything else.
    public static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 20, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
            chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: " "),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
            let year = number(chars, 0, 4), let month = number(chars, 5, 2), let day = number(chars, 8, 2),
            let hour = number(chars, 11, 2), let minute = number(chars, 14, 2), let second = number(chars, 17, 2)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < chars.count, let digit = digitValue(chars[index]) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
        }
        guard let offset = zoneOffset(chars, from: index) else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (hour, minute, second)
        components.timeZone = TimeZone(secondsFromGMT: 0)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61,
            let utc = calendar.date(from: components)
        else { return nil }
        return utc.addingTimeInterval(fraction - Double(offset))
    }

    private static func zoneOffset(_ chars: [UInt8], from index: Int) -> Int? {
        guard index < chars.count else { return nil }
        if chars[index] == UInt8(ascii: "Z"), index + 1 == chars.count { return 0 }
        let sign: Int
        switch chars[index] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        let rest = Array(chars[(index + 1)...]).filter { $0 != UInt8(ascii: ":") }
        guard rest.count == 4, let hours = number(rest, 0, 2), let minutes = number(rest, 2, 2) else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }

    private static func number(_ chars: [UInt8], _ start: Int, _ length: Int) -> Int? {
        var value = 0
        for i in start..<(start + length) {
            guard i < chars.count, let digit = digitValue(chars[i]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func digitValue(_ c: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) ? Int(c - UInt8(ascii: "0")) : nil
    }
}

extension JSONDecoder {
    /// A decoder for Oneflow responses: Oneflow dates, unknown keys ignored (Codable default).
    public static func oneflow() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = OneflowDate.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "Not a Oneflow datetime: \(text)")
            }
            return date
        }
        return decoder
    }
}

extension JSONEncoder {
    /// An encoder that writes dates as Oneflow does.
    public static func oneflow() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(OneflowDate.format(date))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// JSON text written by hand for the few hot, fixed shapes where Foundation's JSONEncoder
/// cost more than the rest of the request (the ack path's stored payload, bench/RESULTS.md).
enum JSONText {
    /// `text` as a JSON string literal (RFC 8259 §7): quotes, backslashes and control
    /// characters escaped; everything else, non-ASCII included, as UTF-8.
    static func string(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Lowercase hexadecimal of bytes: webhook signatures (SHA-1 of callback id and sign key),
/// document checksums. One `String(format: "%02x")` per byte runs Foundation's formatter
/// each time, and the ack path checks a signature on every request (bench/RESULTS.md).
extension Sequence where Element == UInt8 {
    public var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A string enumeration that keeps values it does not know.
///
/// Oneflow adds event types, states and sign methods over time ("the list keeps growing",
/// https://developer.oneflow.com/docs/webhook-type), so a closed Swift `enum` would make a
/// whole response undecodable the day a new value appears. Types conforming to this decode
/// any string and expose the documented ones as static constants.
public protocol OpenEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
where RawValue == String {
    init(rawValue: String)
}

extension OpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
}

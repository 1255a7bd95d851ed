/// A coding key for objects whose keys are data, such as `_permissions`.
struct DynamicCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer {
    /// A `_permissions`-style object (`{"contract:create": true}`) as a map.
    ///
    /// Oneflow documents only boolean entries, but a permissions object is not worth failing a
    /// whole workspace list or contract over: non-boolean entries are skipped, and a missing,
    /// `null` or non-object value gives `nil`.
    func decodeFlags(forKey key: Key) -> [String: Bool]? {
        guard let nested = try? nestedContainer(keyedBy: DynamicCodingKey.self, forKey: key) else { return nil }
        var flags: [String: Bool] = [:]
        for flag in nested.allKeys {
            if let value = try? nested.decode(Bool.self, forKey: flag) { flags[flag.stringValue] = value }
        }
        return flags
    }
}

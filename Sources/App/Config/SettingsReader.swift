import Configuration

/// Reads one setting at a time from swift-configuration and turns every failure into a
/// `ConfigError` naming the key, so start-up can stop with one readable line.
struct SettingsReader {
    let reader: ConfigReader

    func string(_ key: String, secret: Bool = false) throws(ConfigError) -> String {
        try read(key, expected: "text") { try reader.requiredString(forKey: ConfigKey(stringLiteral: key), isSecret: secret) }
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value, or `nil` when it is missing or empty.
    func optionalString(_ key: String, secret: Bool = false) throws(ConfigError) -> String? {
        guard let value = try? reader.requiredString(forKey: ConfigKey(stringLiteral: key), isSecret: secret) else {
            if reader.string(forKey: ConfigKey(stringLiteral: key)) == nil, !isPresent(key) { return nil }
            throw ConfigError(key: key, "expected text")
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    func int(_ key: String, in range: ClosedRange<Int>, what: String = "a whole number") throws(ConfigError) -> Int {
        let value = try read(key, expected: "\(what) (\(range.lowerBound)–\(range.upperBound))") {
            try reader.requiredInt(forKey: ConfigKey(stringLiteral: key))
        }
        guard range.contains(value) else {
            throw ConfigError(key: key, "\(value) is out of range; expected \(what) (\(range.lowerBound)–\(range.upperBound))")
        }
        return value
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let value = try read(key, expected: "a number") { try reader.requiredDouble(forKey: ConfigKey(stringLiteral: key)) }
        guard range.contains(value) else {
            throw ConfigError(key: key, "\(value) is out of range; expected \(range.lowerBound)–\(range.upperBound)")
        }
        return value
    }

    func bool(_ key: String) throws(ConfigError) -> Bool {
        try read(key, expected: "true or false") { try reader.requiredBool(forKey: ConfigKey(stringLiteral: key)) }
    }

    /// `true`, `false`, or `nil` when missing or empty (a JSON boolean, or text from the environment).
    func optionalBool(_ key: String) throws(ConfigError) -> Bool? {
        if let value = reader.bool(forKey: ConfigKey(stringLiteral: key)) { return value }
        switch try optionalString(key)?.lowercased() {
        case nil: return nil
        case "true": return true
        case "false": return false
        default: throw ConfigError(key: key, "expected true, false or empty")
        }
    }

    /// A list: a JSON array, or a comma-separated environment variable.
    func stringArray(_ key: String) throws(ConfigError) -> [String] {
        try read(key, expected: "a list of text values") {
            try reader.requiredStringArray(forKey: ConfigKey(stringLiteral: key))
        }
        .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        .filter { !$0.isEmpty }
    }

    private func isPresent(_ key: String) -> Bool {
        let k = ConfigKey(stringLiteral: key)
        return reader.int(forKey: k) != nil || reader.bool(forKey: k) != nil || reader.stringArray(forKey: k) != nil
    }

    private func read<T>(_ key: String, expected: String, _ body: () throws -> T) throws(ConfigError) -> T {
        do {
            return try body()
        } catch {
            // swift-configuration's own error type is package-internal; its text says which case it is.
            if "\(error)".contains("Missing required") {
                throw ConfigError(key: key, "missing; it has a default in config/default.json — is that file present?")
            }
            throw ConfigError(key: key, "expected \(expected)")
        }
    }
}

import Foundation

/// Checks for individual settings; each failure names its key.
enum ConfigValidation {
    static func httpURL(_ text: String, key: String) throws(ConfigError) -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else { throw ConfigError(key: key, "'\(text)' is not an http(s) URL") }
        guard url.query == nil, url.fragment == nil else { throw ConfigError(key: key, "must not have a query or fragment") }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// Empty → the SQLite file in the data directory; `sqlite://path` or `sqlite::memory:`;
    /// `postgres://` or `postgresql://` → PostgreSQL.
    static func database(_ url: String?, dataDirectory: String) throws(ConfigError) -> AppConfig.Database {
        guard let url else { return .sqlite(path: dataDirectory + "/hrbridge.sqlite") }
        if url == "sqlite::memory:" { return .sqliteInMemory }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ConfigError(key: "database.url", "sqlite:// needs a file path") }
            return .sqlite(path: path)
        }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else {
            throw ConfigError(key: "database.url", "not a URL (expected postgres://user:password@host:5432/db, or empty for SQLite)")
        }
        guard ["postgres", "postgresql"].contains(scheme) else {
            throw ConfigError(key: "database.url", "unknown database scheme '\(scheme)'; expected postgres:// (or empty for SQLite)")
        }
        guard parsed.host?.isEmpty == false else { throw ConfigError(key: "database.url", "has no host") }
        return .postgres(url: url)
    }

    /// A master key is 32 bytes, base64-encoded (`openssl rand -base64 32`). Empty → `nil` (generate).
    static func masterKey(_ text: String?, key: String) throws(ConfigError) -> Data? {
        guard let text, !text.isEmpty else { return nil }
        guard let data = Data(base64Encoded: text), data.count == 32 else {
            throw ConfigError(key: key, "must be 32 random bytes, base64-encoded (e.g. `openssl rand -base64 32`)")
        }
        return data
    }

    /// A custom id becomes part of config keys and environment variable names, so keep it simple.
    static func customID(_ id: String) throws(ConfigError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_")
        guard id.count <= 64, id.allSatisfy({ allowed.contains($0) }) else {
            throw ConfigError(key: "extension.data_fields", "'\(id)' must be lowercase letters, digits and _ (at most 64)")
        }
    }

    /// An empty `oneflow.base_url` runs the built-in sandbox, whose control API lists live
    /// tokens and mints new ones: never on a real deployment by accident. Without
    /// `sandbox.enabled`, only a local one (loopback `http.host`, and an http or loopback
    /// `public.base_url`) gets it.
    static func sandboxAllowed(enabled: Bool?, host: String, publicBaseURL: String) throws(ConfigError) {
        switch enabled {
        case true?: return
        case false?:
            throw ConfigError(
                key: "oneflow.base_url", "is empty and sandbox.enabled is false; set oneflow.base_url to Oneflow's API (https://api.oneflow.com)")
        case nil:
            let url = URL(string: publicBaseURL)
            let localPublic = url?.scheme?.lowercased() == "http" || isLoopback(url?.host ?? "")
            guard isLoopback(host), localPublic else {
                throw ConfigError(
                    key: "oneflow.base_url",
                    "is empty, which runs the built-in Oneflow sandbox, but this deployment is not local "
                        + "(http.host '\(host)', public.base_url '\(publicBaseURL)'); set oneflow.base_url to https://api.oneflow.com, "
                        + "or sandbox.enabled=true to run the sandbox on purpose")
            }
        }
    }

    /// 127.0.0.0/8, ::1 and localhost.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }

    static func logLevel(_ text: String) throws(ConfigError) -> String {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(text.lowercased()) else {
            throw ConfigError(key: "log.level", "'\(text)' is not one of \(levels.joined(separator: ", "))")
        }
        return text.lowercased()
    }

    /// ISO-8601 durations with days, hours, minutes and seconds (`PT30S`, `PT1M30S`, `P1D`) → seconds.
    static func isoDuration(_ text: String, key: String) throws(ConfigError) -> Int {
        let problem = ConfigError(key: key, "'\(text)' is not an ISO-8601 duration like PT30S")
        var rest = Substring(text.uppercased())
        guard rest.hasPrefix("P"), rest.count > 1 else { throw problem }
        rest = rest.dropFirst()
        var total = 0
        var number = ""
        var inTime = false
        var sawUnit = false
        for c in rest {
            if c.isNumber {
                number.append(c)
                continue
            }
            if c == "T" {
                guard !inTime, number.isEmpty else { throw problem }
                inTime = true
                continue
            }
            guard let value = Int(number) else { throw problem }
            switch (c, inTime) {
            case ("D", false): total += value * 86400
            case ("H", true): total += value * 3600
            case ("M", true): total += value * 60
            case ("S", true): total += value
            default: throw problem
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, total > 0 else { throw problem }
        return total
    }
}

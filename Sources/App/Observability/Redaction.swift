/// Removes secrets from text bound for logs: the values of query parameters that may carry
/// an extension token (DESIGN §6).
public enum Redaction {
    /// Query parameter names whose values are never logged.
    public static let sensitiveParameters: Set<String> = ["token", "key", "sign_key", "signature", "password", "api_key"]

    /// `/setup?token=abc&x=1` → `/setup?token=REDACTED&x=1`.
    public static func url(_ path: String, extraSensitive: Set<String> = []) -> String {
        guard let q = path.firstIndex(of: "?") else { return path }
        let sensitive = sensitiveParameters.union(extraSensitive.map { $0.lowercased() })
        let query = path[path.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let decoded = (name.removingPercentEncoding ?? name).lowercased()
            return sensitive.contains(decoded) ? "\(name)=REDACTED" : String(pair)
        }
        return String(path[..<q]) + "?" + query.joined(separator: "&")
    }
}

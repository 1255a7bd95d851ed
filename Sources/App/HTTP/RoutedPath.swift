import Vapor

extension Request {
    /// The path as Vapor's router reads it, empty components dropped: `//setup` and
    /// `/admin//employees` reach `/setup` and `/admin/employees`, so checks by prefix (the
    /// request log's secret paths, `no-store`, the HR API's methods) must read them the same way.
    ///
    /// Worked out once per request and kept in its storage: Vapor's `URI.path` builds a new
    /// string through Foundation at every call, and the request log, the security headers and
    /// the HR API's method check each asked — with the router's own reading, ~5% of the
    /// server's CPU at 1,000 acknowledgements a second (bench/RESULTS.md, "2026-12-06 (day)").
    /// Nothing rewrites a request's URL after it arrives, so the kept value stays true.
    var routedPath: String {
        if let path = storage[RoutedPathKey.self] { return path }
        var path = url.path
        if path.contains("//") { path = "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/") }
        storage[RoutedPathKey.self] = path
        return path
    }
}

private enum RoutedPathKey: StorageKey {
    typealias Value = String
}

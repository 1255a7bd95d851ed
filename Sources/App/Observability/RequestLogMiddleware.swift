import Vapor

/// One log line per request: method, path with secret query values redacted, status and
/// duration. Replaces Vapor's route logging, which prints the raw query string (and so would
/// print the extension token of `GET /setup?token=…`). Bodies are never logged.
struct RequestLogMiddleware: AsyncMiddleware {
    /// Extra parameter names to redact (the configured setup token parameter).
    let sensitiveParameters: Set<String>
    /// Paths whose rest is a secret (a connection link, a webhook URL's key): logged as the prefix and "…".
    let secretPaths: [String]
    static let linkPath = "/setup/link/"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        // As the router reads the path, so that `/webhooks//oneflow/…` or `/setup//link/…`,
        // which reach the same routes, are logged as those are.
        let routed = request.routedPath
        let path: String
        if let secret = secretPaths.first(where: routed.hasPrefix) {
            // A connection link's path is its secret: whoever reads it could use the link. A
            // webhook URL's key is one half of what forging a notification takes.
            path = secret + "…"
        } else if routed.hasPrefix("/setup") || routed.hasPrefix("/admin") {
            // The Setup URL's query is Oneflow's (the token, under whatever name or spelling it
            // comes), an admin page's may be a search for a person's name: neither is logged.
            path = routed
        } else {
            path = Redaction.url(request.url.string, extraSensitive: sensitiveParameters)
        }
        do {
            let response = try await next.respond(to: request)
            log(request, path: path, status: response.status.code, started: started)
            return response
        } catch {
            let status = (error as? any AbortError)?.status.code ?? 500
            log(request, path: path, status: status, started: started)
            throw error
        }
    }

    private func log(_ request: Request, path: String, status: UInt, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        // `path` is the redacted URL, query included; `request.url.path` would parse the URL again.
        let level: Logger.Level = status >= 500 ? .warning : (path == "/health" || path.hasPrefix("/health?") ? .debug : .info)
        request.logger.log(
            level: level, "\(request.method.rawValue) \(path) \(status)",
            metadata: [
                "duration_ms": .string(String(format: "%.1f", ms))
            ])
    }
}

import Vapor

/// The address a request came from, for throttling and for log lines fail2ban can match.
/// `X-Forwarded-For` is believed only when the connection comes from a configured proxy
/// (`http.trusted_proxies`): anyone else could write any address into it. Read right to left,
/// the first address that is not one of our proxies is the client.
enum ClientAddress {
    static func of(_ req: Request, trustedProxies: Set<String>) -> String {
        let peer = req.remoteAddress?.ipAddress ?? "unknown"
        guard trustedProxies.contains(peer) else { return peer }
        let forwarded = req.headers[.xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return forwarded.last { !trustedProxies.contains($0) } ?? peer
    }
}

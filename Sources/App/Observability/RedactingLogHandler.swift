import Foundation
import Logging

/// Wraps every log handler of the process so that no secret reaches a log, whoever logs:
/// Vapor's own trace output prints whole request heads (query strings with the setup token,
/// `x-oneflow-api-token` and `authorization` headers), and a body may hold a signature.
/// DESIGN §6: logs never carry a token, sign key, signature or full webhook body.
public struct RedactingLogHandler: LogHandler {
    var inner: any LogHandler

    public init(wrapping inner: any LogHandler) {
        self.inner = inner
    }

    /// The modules whose debug and trace lines are written.
    static let ownModules: Set<String> = ["App", "OneflowAPI", "OneflowSandbox", "Run"]

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        // Below info, libraries print what passes through them: FluentKit a model's inputs,
        // PostgresKit and SQLiteKit the values bound to a statement (session ids, CSRF tokens,
        // employees' names and salaries), Vapor and NIO request heads and bodies. None of that
        // can be redacted by pattern, so their debug and trace output is not written; our
        // own modules' is (they log ids and counts, never values).
        guard event.level >= .info || Self.ownModules.contains(event.source) else { return }
        var event = event
        event.message = "\(LogRedaction.redact(event.message.description))"
        event.metadata = event.metadata.map(LogRedaction.redact)
        inner.log(event: event)
    }
}

enum LogRedaction {
    /// `name=value` query parameters, `name: value` headers, and `"name":"value"` JSON members
    /// whose value is a secret.
    private static let patterns: [NSRegularExpression] = [
        #"(?i)([?&](?:token|key|sign_key|signature|password|api_key)=)[^&\s"]*"#,
        #"(?i)((?:x-oneflow-api-token|authorization|cookie|set-cookie):\s*)[^;\n"]*"#,
        #"(?i)("(?:token|sign_key|signature|password|api_key)"\s*:\s*")[^"]*"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    /// Only text mentioning one of these can hold a secret; everything else passes untouched.
    private static let triggers = ["token", "key", "signature", "password", "authorization", "cookie"]

    static func redact(_ text: String) -> String {
        let lower = text.lowercased()
        guard triggers.contains(where: lower.contains) else { return text }
        var result = text
        for pattern in patterns {
            result = pattern.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result), withTemplate: "$1REDACTED")
        }
        return result
    }

    static func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.mapValues(redact)
    }

    private static func redact(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let s): .string(redact(s))
        case .stringConvertible(let c): .string(redact(c.description))
        case .array(let a): .array(a.map(redact))
        case .dictionary(let d): .dictionary(d.mapValues(redact))
        }
    }
}

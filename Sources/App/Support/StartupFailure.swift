import FluentPostgresDriver
import Foundation

/// The line an operator reads when `hrbridge` cannot start. PostgresNIO prints every
/// `PSQLError` as "Generic description to prevent accidental leakage of sensitive data",
/// which says nothing about a PostgreSQL that is down or a wrong database name. Its code,
/// the server's message (not its detail, which can quote a row's values) and the network
/// error under a failed connection hold no secret, and they say what to fix.
public enum StartupFailure {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        switch error.code {
        case .connectionError:
            let cause = error.underlying.map { "\($0)" } ?? "no reason given"
            return "cannot connect to PostgreSQL (\(cause)); is it running, and is database.url right?"
        case .server:
            let message = error.serverInfo?[.message] ?? "an error"
            let state = error.serverInfo?[.sqlState] ?? "?"
            return "PostgreSQL: \(message) (SQLSTATE \(state)); check database.url"
        default:
            return "PostgreSQL: \(error.code)"
        }
    }
}

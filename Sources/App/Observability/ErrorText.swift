import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLiteStorage

/// What an operator reads about a database error. PostgresNIO prints every `PSQLError` as
/// "Generic description to prevent accidental leakage of sensitive data", and our logs used
/// to show only an error's type, so a PostgreSQL that was down, a database that did not
/// exist or a full disk all read `PostgresNIO.PSQLError` or `SQLiteNIO.SQLiteError`. The
/// parts below hold no secret and say what to fix.
public enum ErrorText {
    /// The line `hrbridge` stops with. Start-up runs only our own statements, so PostgreSQL's
    /// message (never its detail, which can quote a row's values) is safe to show.
    public static func startup(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        switch error.code {
        case .connectionError:
            return "cannot connect to PostgreSQL (\(cause(of: error))); is it running, and is database.url right?"
        case .server:
            let message = error.serverInfo?[.message] ?? "an error"
            return "PostgreSQL: \(message) (SQLSTATE \(sqlState(of: error))); check database.url"
        default:
            return "PostgreSQL: \(error.code)"
        }
    }

    /// An error in a running service's log. Its statements carry contracts' data, and a
    /// PostgreSQL message can quote a value (`invalid input syntax for type uuid: "…"`), so
    /// only its SQLSTATE is shown. SQLite's messages name tables and constraints, never values.
    /// Any other error shows its type, as before.
    static func log(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            switch error.code {
            case .connectionError: "PostgreSQL unreachable (\(cause(of: error)))"
            case .server: "PostgreSQL error, SQLSTATE \(sqlState(of: error))"
            default: "PostgreSQL: \(error.code)"
            }
        case let error as SQLiteError: "SQLite: \(error)"
        case let error as RawSQLiteError: "\(error)"
        default: String(reflecting: type(of: error))
        }
    }

    /// The network error under a failed connection: an address and what the system said.
    private static func cause(of error: PSQLError) -> String {
        error.underlying.map { "\($0)" } ?? "no reason given"
    }

    private static func sqlState(of error: PSQLError) -> String {
        error.serverInfo?[.sqlState] ?? "?"
    }
}

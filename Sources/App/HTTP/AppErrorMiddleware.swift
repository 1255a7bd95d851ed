import Foundation
import NIOHTTP1
import OneflowAPI
import Vapor

/// Turns every error into a response with the real status: an HTML error page for browsers,
/// a JSON body for API and webhook callers. Never a stack trace, never internal details:
/// unexpected errors are logged with the request id and answered with a generic message.
struct AppErrorMiddleware: AsyncMiddleware {
    struct ErrorBody: Content {
        var error: Bool
        var status: Int
        var reason: String
        var requestID: String?
        /// Each field that is wrong, for a caller to show beside it (`ExplainedError`).
        var problems: [FieldProblem]?

        enum CodingKeys: String, CodingKey {
            case error, status, reason, problems
            case requestID = "request_id"
        }
    }

    struct ErrorPage: Encodable {
        var title: String
        var status: Int
        var statusText: String
        var reason: String
        var requestID: String?
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await response(for: error, request: request)
        }
    }

    func response(for error: any Error, request: Request) async -> Response {
        let (status, reason, headers) = Self.describe(error)
        let requestID = request.headers.first(name: .xRequestId) ?? request.id
        if status.code >= 500 {
            request.logger.error(
                "request failed",
                metadata: [
                    "status": .stringConvertible(status.code), "error": .string(Self.logDescription(error)),
                ])
        }
        if Self.wantsHTML(request) {
            let page = ErrorPage(
                title: "\(status.code) \(status.reasonPhrase)", status: Int(status.code),
                statusText: status.reasonPhrase, reason: reason, requestID: requestID)
            if let view = try? await request.view.render("error", page) {
                let response = Response(status: status, headers: headers)
                response.headers.contentType = .html
                response.body = .init(buffer: view.data)
                return response
            }
        }
        let response = Response(status: status, headers: headers)
        let problems = (error as? any ExplainedError)?.problems ?? []
        let body = ErrorBody(error: true, status: Int(status.code), reason: reason, requestID: requestID, problems: problems.isEmpty ? nil : problems)
        try? response.content.encode(body, as: .json)
        return response
    }

    /// Status, a message safe to show, and headers to keep (e.g. `Allow`, `Retry-After`).
    static func describe(_ error: any Error) -> (HTTPResponseStatus, String, HTTPHeaders) {
        switch error {
        case let oneflow as OneflowError:
            // Oneflow's own failure is not the caller's: 502, without Oneflow's internals.
            return (
                .badGateway,
                oneflow.isUnauthorized
                    ? "Oneflow rejected the stored token (the extension may have been disabled)."
                    : "Oneflow could not be reached or answered with an error. Please try again shortly.", [:]
            )
        case let abort as any AbortError:
            let reason = abort.status.code >= 500 && !(abort is Abort) && !(abort is any ExplainedError) ? abort.status.reasonPhrase : abort.reason
            return (abort.status, reason, abort.headers)
        case is DecodingError:
            return (.badRequest, "The request body is not valid for this endpoint.", [:])
        case is HTTPParserError:
            // A body cut short (the client went away, or the idle timeout closed it).
            return (.badRequest, "The request could not be read.", [:])
        default:
            return (.internalServerError, "Something went wrong on our side. It has been logged.", [:])
        }
    }

    /// Browsers ask for HTML; API, webhook and health callers get JSON whatever they accept.
    static func wantsHTML(_ request: Request) -> Bool {
        let path = request.url.path
        if path.hasPrefix("/api/") || path.hasPrefix("/webhooks/") || path == "/health" || path.hasPrefix("/sandbox/oneflow/")
            || path.hasPrefix("/sandbox/control/")
        {
            return false
        }
        // Only an explicit text/html: `*/*` (curl, HTTP libraries) gets JSON.
        return request.headers[.accept].contains { $0.lowercased().contains("text/html") }
    }

    /// What goes into the log: the error's type and description, which our error types keep
    /// free of secrets (tokens are never part of an error).
    static func logDescription(_ error: any Error) -> String {
        // An explained error's words may quote what a person typed, or Oneflow's detail about it.
        if let explained = error as? any ExplainedError { return "\(type(of: explained)): status \(explained.status.code)" }
        return "\(type(of: error)): \(String(describing: error))"
    }
}

/// An error written for the person who reads it: its reason is shown even with a 5xx (it
/// holds no internals), and it may name each wrong field.
protocol ExplainedError: AbortError {
    var problems: [FieldProblem] { get }
}

/// One field that is wrong (`person.email`, `fields.start_date` …) and what is wrong with it.
struct FieldProblem: Content, Equatable {
    var field: String
    var message: String
}

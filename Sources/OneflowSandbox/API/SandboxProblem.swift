import Foundation
import Vapor

/// An error the sandbox answers the way Oneflow does: status plus Oneflow's error body
/// `{"error_code", "detail", "parameter_problems", "request_id", "status", "title", "type"}`.
/// https://developer.oneflow.com/docs/handling-errors-with-error-codes — `error_code` starts
/// with the HTTP status; `…0000` is the generic code of that status.
struct SandboxProblem: Error, Sendable, Equatable {
    var status: HTTPResponseStatus
    var detail: String
    var parameterProblems: [String: String] = [:]

    var errorCode: Int { Int(status.code) * 10_000 }

    static func notFound(_ what: String) -> SandboxProblem {
        SandboxProblem(status: .notFound, detail: "\(what) was not found.")
    }

    static func invalid(_ parameter: String, _ message: String) -> SandboxProblem {
        SandboxProblem(status: .badRequest, detail: "The request contains invalid parameters.", parameterProblems: [parameter: message])
    }

    /// Over the token's rate limit (https://developer.oneflow.com/reference/api-rate-limit).
    static let tooManyRequests = SandboxProblem(status: .tooManyRequests, detail: "Too many requests: the rate limit of the API token was exceeded.")

    static let unauthorized = SandboxProblem(status: .unauthorized, detail: "The API token is missing, invalid or revoked.")

    struct Body: Content {
        var error_code: Int
        var detail: String
        var parameter_problems: [String: String]
        var request_id: String
        var status: Int
        var title: String
        var type: String
    }

    func response() -> Response {
        let body = Body(
            error_code: errorCode, detail: detail, parameter_problems: parameterProblems,
            request_id: UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased(),
            status: Int(status.code), title: status.reasonPhrase,
            type: "https://api.oneflow.com/v1/error_codes/\(errorCode)"
        )
        let response = Response(status: status)
        try? response.content.encode(body, as: .json)
        return response
    }
}

/// Turns any error under the sandbox API into Oneflow's error body, so callers never see
/// HR Bridge's own error format from "Oneflow".
struct SandboxErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let problem as SandboxProblem {
            return problem.response()
        } catch let abort as any AbortError {
            return SandboxProblem(status: abort.status, detail: abort.reason).response()
        } catch is DecodingError {
            return SandboxProblem(status: .badRequest, detail: "The request body is not valid JSON for this endpoint.").response()
        } catch {
            request.logger.error("sandbox error: \(error)")
            return SandboxProblem(status: .internalServerError, detail: "Internal error.").response()
        }
    }
}

/// A failed call to Oneflow.
///
/// Oneflow answers errors with an RFC 7807-like JSON body
/// (https://developer.oneflow.com/docs/handling-errors-with-error-codes):
/// `{"error_code": 4040000, "detail": "…", "parameter_problems": {}, "request_id": "…",
///   "status": 404, "title": "Not Found", "type": "…"}`. `error_code` starts with the HTTP
/// status; codes ending in `0000` are generic. The description carries the endpoint path,
/// status, code and `request_id` (what Oneflow support asks for) — never the token, which
/// travels only in a header.
public struct OneflowError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Oneflow answered with a non-success HTTP status.
        case api
        /// No usable answer: connection refused, reset, DNS, or the deadline passed.
        case transport
        /// Oneflow answered 2xx with a body we could not read.
        case decoding
    }

    public var kind: Kind
    /// `METHOD /path` of the call, without query string.
    public var endpoint: String
    public var status: Int?
    public var errorCode: Int?
    public var requestID: String?
    public var title: String?
    public var detail: String
    /// Problems with individual parameters, as Oneflow lists them.
    public var parameterProblems: [String: String]

    public init(
        kind: Kind, endpoint: String, status: Int? = nil, errorCode: Int? = nil, requestID: String? = nil,
        title: String? = nil, detail: String, parameterProblems: [String: String] = [:]
    ) {
        self.kind = kind
        self.endpoint = endpoint
        self.status = status
        self.errorCode = errorCode
        self.requestID = requestID
        self.title = title
        self.detail = detail
        self.parameterProblems = parameterProblems
    }

    /// Worth trying again later: rate limited (429, per token — https://developer.oneflow.com/reference/api-rate-limit),
    /// a server error, or no answer at all.
    public var isRetryable: Bool {
        switch kind {
        case .transport: true
        case .decoding: false
        case .api: status == 429 || status == 408 || (status ?? 0) >= 500
        }
    }

    /// What kind of failure this is, for callers that react differently to each: a form shows
    /// `.invalidRequest` problems next to fields, `.paymentRequired` means publishing is not in
    /// the customer's plan (https://developer.oneflow.com/docs/publish-a-contract), `.conflict`
    /// that the contract's state forbids the change (probably: it is no longer a draft).
    public enum Category: Sendable, Equatable {
        case invalidRequest, unauthorized, paymentRequired, forbidden, notFound, conflict, unprocessable
        case rateLimited, serverError, otherStatus, transport, decoding
    }

    public var category: Category {
        switch kind {
        case .transport: return .transport
        case .decoding: return .decoding
        case .api:
            switch status ?? 0 {
            case 400: return .invalidRequest
            case 401: return .unauthorized
            case 402: return .paymentRequired
            case 403: return .forbidden
            case 404: return .notFound
            case 409: return .conflict
            case 422: return .unprocessable
            case 429: return .rateLimited
            case 500...: return .serverError
            default: return .otherStatus
            }
        }
    }

    /// Oneflow may have done what was asked: no answer came, or a server error did. For a call
    /// that is not idempotent (`POST /contracts/create` — Oneflow documents no idempotency key)
    /// look for its result before sending it again, e.g. by a correlation data field with
    /// `filter[data_field_match]` (shared/oneflow-contract-creation.md §7).
    public var outcomeUnknown: Bool {
        switch kind {
        case .transport: true
        case .decoding: false
        case .api: status == 408 || (status ?? 0) >= 500
        }
    }

    /// The token is invalid or revoked (the extension was probably disabled).
    public var isUnauthorized: Bool { kind == .api && status == 401 }
    public var isNotFound: Bool { kind == .api && status == 404 }
    public var isRateLimited: Bool { kind == .api && status == 429 }

    public var description: String {
        var parts = ["Oneflow \(endpoint) failed"]
        if let status { parts.append("status \(status)") }
        if let errorCode { parts.append("error_code \(errorCode)") }
        if let requestID { parts.append("request_id \(requestID)") }
        let problems = parameterProblems.keys.sorted().map { "\($0): \(parameterProblems[$0]!)" }
        let detail = problems.isEmpty ? detail : "\(detail) (\(problems.joined(separator: "; ")))"
        return parts.joined(separator: ", ") + ": " + detail
    }
}

/// Oneflow's error body. Every field optional: a proxy in front of Oneflow may answer
/// with something else entirely, and that must still become a readable `OneflowError`.
public struct OneflowErrorBody: Codable, Sendable, Equatable {
    public var errorCode: Int?
    public var detail: String?
    public var parameterProblems: [String: ParameterProblem]?
    public var requestID: String?
    public var status: Int?
    public var title: String?
    public var type: String?

    public init(
        errorCode: Int?, detail: String?, parameterProblems: [String: ParameterProblem]? = [:],
        requestID: String?, status: Int?, title: String?, type: String?
    ) {
        self.errorCode = errorCode
        self.detail = detail
        self.parameterProblems = parameterProblems
        self.requestID = requestID
        self.status = status
        self.title = title
        self.type = type
    }

    enum CodingKeys: String, CodingKey {
        case errorCode = "error_code"
        case detail
        case parameterProblems = "parameter_problems"
        case requestID = "request_id"
        case status, title, type
    }

    /// A parameter problem is documented only as "an object"; seen as a string or a list of
    /// strings, and may be an object of problems of the parameter's own fields (`nested`).
    public struct ParameterProblem: Codable, Sendable, Equatable {
        public var messages: [String]
        public var nested: [String: ParameterProblem]
        public init(_ messages: [String], nested: [String: ParameterProblem] = [:]) {
            self.messages = messages
            self.nested = nested
        }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            nested = [:]
            if let one = try? container.decode(String.self) {
                messages = [one]
            } else if let many = try? container.decode([String].self) {
                messages = many
            } else if let object = try? container.decode([String: ParameterProblem].self) {
                (messages, nested) = ([], object)
            } else {
                messages = ["invalid"]
            }
        }

        /// Every problem under `name`, nested ones as `name.field` — which field, what is wrong.
        public func flattened(under name: String) -> [String: String] {
            var all = messages.isEmpty ? [:] : [name: messages.joined(separator: ", ")]
            for (key, problem) in nested { all.merge(problem.flattened(under: "\(name).\(key)")) { first, _ in first } }
            return all
        }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            if !nested.isEmpty {
                try container.encode(nested)
            } else if messages.count == 1 {
                try container.encode(messages[0])
            } else {
                try container.encode(messages)
            }
        }
    }
}

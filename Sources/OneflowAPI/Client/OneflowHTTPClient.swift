import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The live `OneflowClient`, over AsyncHTTPClient.
///
/// - The base URL is the part before `/v1` (`https://api.oneflow.com` for the real service).
/// - Every call has a deadline (`timeout`).
/// - The token travels only in the `x-oneflow-api-token` header and never appears in an
///   error or log line (https://developer.oneflow.com/docs/authentication-and-authorization).
/// - Redirects are not followed automatically: a file download may answer 302 to storage on
///   another host, which must not receive our token.
public struct OneflowHTTPClient: OneflowClient {
    public let baseURL: String
    public let timeout: TimeAmount
    let http: HTTPClient
    let logger: Logger
    /// Largest JSON answer we read; contracts with many parties are a few hundred kB.
    static let maxJSONBytes = 8 * 1024 * 1024
    /// Largest file we download (signed PDFs with attachments).
    static let maxFileBytes = 64 * 1024 * 1024

    /// - Parameter http: an `HTTPClient` whose redirect configuration is `.disallow`
    ///   (see `OneflowHTTPClient.makeHTTPClient()`); the caller owns its shutdown.
    public init(baseURL: String, http: HTTPClient, timeout: TimeAmount = .seconds(30), logger: Logger = Logger(label: "oneflow")) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.timeout = timeout
        self.logger = logger
    }

    /// An `HTTPClient` configured as this client expects. Shut it down when done.
    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        configuration.decompression = .enabled(limit: .ratio(50))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    // MARK: Requests

    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        credentials: OneflowCredentials, maxBytes: Int = maxJSONBytes
    ) async throws(OneflowError) -> (HTTPClientResponse, ByteBuffer) {
        let endpoint = "\(method.rawValue) \(path)"
        var request = HTTPClientRequest(url: baseURL + "/v1" + path + Self.encode(query))
        request.method = method
        request.headers.add(name: "x-oneflow-api-token", value: credentials.token)
        if let email = credentials.userEmail { request.headers.add(name: "x-oneflow-user-email", value: email) }
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "user-agent", value: "hrbridge/1.0")
        if let body {
            do {
                request.body = .bytes(ByteBuffer(bytes: try JSONEncoder.oneflow().encode(body)))
            } catch {
                throw OneflowError(kind: .decoding, endpoint: endpoint, detail: "could not encode the request body: \(error)")
            }
            request.headers.add(name: "content-type", value: "application/json")
        }
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: maxBytes)
        } catch {
            logger.warning("oneflow call failed", metadata: ["endpoint": .string(endpoint), "error": .string(Self.describe(error))])
            throw OneflowError(kind: .transport, endpoint: endpoint, detail: Self.describe(error))
        }
        logger.debug(
            "oneflow call",
            metadata: [
                "endpoint": .string(endpoint), "status": .stringConvertible(response.status.code),
                "duration": .stringConvertible(ContinuousClock.now - started),
            ])
        guard (200..<300).contains(response.status.code) || (300..<400).contains(response.status.code) else {
            throw Self.apiError(endpoint: endpoint, status: Int(response.status.code), body: bytes)
        }
        return (response, bytes)
    }

    func json<T: Decodable>(
        _ type: T.Type, _ method: HTTPMethod, _ path: String, query: [(String, String)] = [],
        body: (any Encodable & Sendable)? = nil, credentials: OneflowCredentials
    ) async throws(OneflowError) -> T {
        let (_, bytes) = try await send(method, path, query: query, body: body, credentials: credentials)
        do {
            return try JSONDecoder.oneflow().decode(T.self, from: Data(bytes.readableBytesView))
        } catch {
            throw OneflowError(kind: .decoding, endpoint: "\(method.rawValue) \(path)", detail: "unexpected response: \(Self.describe(error))")
        }
    }

    /// Builds the typed error from Oneflow's error body, or from the status alone when the
    /// body is not Oneflow's (a proxy's HTML page, say).
    static func apiError(endpoint: String, status: Int, body: ByteBuffer) -> OneflowError {
        let decoded = try? JSONDecoder().decode(OneflowErrorBody.self, from: Data(body.readableBytesView))
        var problems: [String: String] = [:]
        for (name, problem) in decoded?.parameterProblems ?? [:] { problems.merge(problem.flattened(under: name)) { first, _ in first } }
        return OneflowError(
            kind: .api, endpoint: endpoint, status: status, errorCode: decoded?.errorCode, requestID: decoded?.requestID,
            title: decoded?.title, detail: decoded?.detail ?? decoded?.title ?? HTTPResponseStatus(statusCode: status).reasonPhrase,
            parameterProblems: problems
        )
    }

    static func encode(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return "?"
            + query.map { name, value in
                "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
            }.joined(separator: "&")
    }

    /// A short, token-free description of a transport or decoding error.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DecodingError {
            switch error {
            case .keyNotFound(let key, let context): return "missing \(path(context.codingPath + [key]))"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                return "invalid value at \(path(context.codingPath)): \(context.debugDescription)"
            @unknown default: return "undecodable response"
            }
        }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timed out" }
            return "\(error)"
        }
        return String(describing: error)
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

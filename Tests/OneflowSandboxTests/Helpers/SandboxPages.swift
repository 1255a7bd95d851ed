import AsyncHTTPClient
import Foundation
import NIOCore
import Vapor

/// A browser's view of the sandbox's pages: GET a page, submit a form and follow its redirect.
extension SandboxHarness {
    struct Page {
        var status: Int
        var html: String
    }

    func page(_ path: String) async throws -> Page {
        let (status, body) = try await HTTPClientRequestBuilder.send(HTTPClientRequestBuilder.get(baseURL + path), with: http)
        return Page(status: status, html: String(decoding: body, as: UTF8.self))
    }

    /// Posts `fields` as `application/x-www-form-urlencoded`; answers the status and `Location`.
    func submit(_ path: String, _ fields: [(String, String)]) async throws -> (status: Int, location: String?) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
        request.body = .bytes(ByteBuffer(string: fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")))
        let response = try await http.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1024 * 1024)
        return (Int(response.status.code), response.headers.first(name: "location"))
    }

    /// Submits a form and opens the page it redirects to, as a browser would.
    func submitAndFollow(_ path: String, _ fields: [(String, String)]) async throws -> Page {
        let (status, location) = try await submit(path, fields)
        guard status == 303, let location else { return Page(status: status, html: "") }
        return try await page(location)
    }

    /// `POST /v1/<path>` of the sandbox's Oneflow API as `userEmail`, answering the JSON object.
    func api(_ token: String, as userEmail: String, _ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let (status, text) = try await api(.POST, path, token: token, email: userEmail, json: json)
        guard status < 300, let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ControlError(status: status, body: text)
        }
        return object
    }
}

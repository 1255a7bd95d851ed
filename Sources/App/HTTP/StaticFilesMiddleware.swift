import Vapor

/// `Public/` for the pages' stylesheet and images, and nothing else. Vapor's `FileMiddleware`
/// looks every request up on disk — each webhook POST included — and answers a path segment
/// longer than the file system allows (ENAMETOOLONG) with a 500. Here only GET and HEAD under
/// the asset folders reach it, with sane segment lengths; everything else goes to the routes.
struct StaticFilesMiddleware: AsyncMiddleware {
    static let folders = ["/css/", "/img/", "/js/"]
    let files: FileMiddleware

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // The method first: `url.path` parses the URL again on every call (a webhook POST
        // paid for it here, bench/RESULTS.md).
        guard request.method == .GET || request.method == .HEAD else { return try await next.respond(to: request) }
        let path = request.url.path
        guard Self.folders.contains(where: path.hasPrefix),
            path.utf8.count <= 1024, !path.split(separator: "/").contains(where: { $0.utf8.count > 255 })
        else {
            return try await next.respond(to: request)
        }
        return try await files.respond(to: request, chainingTo: next)
    }
}

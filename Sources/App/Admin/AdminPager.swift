import Foundation
import Vapor

/// The admin lists' paging: newest first, `AdminPager.size` rows a page, "Older" continuing
/// after the last row shown (`?before=<cursor>`, keyset paging through the list's index, so a
/// page deep in a year of deliveries costs what the first does), "Newest" back to the start.
struct AdminPager: Encodable {
    static let size = 100

    /// The next page's address; empty on the last page.
    var older: String
    /// The first page's address; empty on the first page.
    var newest: String

    /// The page the request asks for: after this row (nil: the newest).
    static func cursor(_ req: Request) -> PageCursor? {
        req.query[String.self, at: "before"].flatMap(PageCursor.init(text:))
    }

    /// - Parameters:
    ///   - fetched: the rows read, one more than a page when another follows.
    ///   - position: a row's place in the list (its time and id).
    /// - Returns: the page's rows and its links.
    static func page<Row>(_ req: Request, _ fetched: [Row], position: (Row) throws -> PageCursor) rethrows -> ([Row], AdminPager) {
        let rows = Array(fetched.prefix(size))
        let older = try fetched.count > size ? rows.last.map { link(req, before: try position($0).text) } ?? "" : ""
        let newest = cursor(req) == nil ? "" : link(req, before: nil)
        return (rows, AdminPager(older: older, newest: newest))
    }

    /// This list's address, with its filters, at `before`.
    private static func link(_ req: Request, before: String?) -> String {
        var components = URLComponents(string: req.url.string) ?? URLComponents()
        var items = (components.queryItems ?? []).filter { $0.name != "before" }
        if let before { items.append(URLQueryItem(name: "before", value: before)) }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? req.url.path
    }
}

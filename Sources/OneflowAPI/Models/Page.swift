/// Oneflow's collection envelope. https://developer.oneflow.com/docs/pagination
///
/// `count` is the total number of matches, independent of `limit` and `offset`; `limit` is
/// 1–100 (default 100) and `offset` at most 19,900.
public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var count: Int
    public var data: [Item]
    public var links: Links?

    public init(count: Int, data: [Item], links: Links? = nil) {
        self.count = count
        self.data = data
        self.links = links
    }

    enum CodingKeys: String, CodingKey {
        case count, data
        case links = "_links"
    }

    public struct Links: Codable, Sendable, Equatable {
        public var next: Link?
        public var previous: Link?
        public var `self`: Link?
        public init(next: Link?, previous: Link?, self selfLink: Link?) {
            self.next = next
            self.previous = previous
            self.`self` = selfLink
        }
    }

    public struct Link: Codable, Sendable, Equatable {
        public var href: String?
        public init(href: String?) { self.href = href }
    }

    /// Oneflow's documented limits on paging parameters.
    public static var maxLimit: Int { 100 }
    public static var maxOffset: Int { 19_900 }
}

/// Some Oneflow list endpoints (webhooks, per third-party code) answer with a bare array,
/// others with the envelope; this reads either.
struct ListOrPage<Item: Codable & Sendable>: Decodable, Sendable {
    var items: [Item]
    init(from decoder: any Decoder) throws {
        if let array = try? decoder.singleValueContainer().decode([Item].self) {
            items = array
        } else {
            items = try Page<Item>(from: decoder).data
        }
    }
}

/// A link object as Oneflow nests it in `_links`.
public struct HrefLink: Codable, Sendable, Equatable {
    public var href: String?
    public init(href: String?) { self.href = href }
}

import Foundation
import OneflowAPI
import Vapor

/// Oneflow's JSON, written from the sandbox's records. Property names are the wire names
/// (snake_case) on purpose: each struct reads as the documented object.
/// Objects: https://developer.oneflow.com/docs/contract, /participant, /template-type,
/// /data-field, /webhook, /account-1; envelope: /pagination.
enum SandboxJSON {
    static func time(_ date: Date?) -> String? { date.map(OneflowDate.format) }

    /// `{"href": …}`, with an explicit `null` where there is no such link, as Oneflow writes
    /// `"previous": {"href": null}` (https://developer.oneflow.com/docs/pagination).
    struct Link: Content {
        var href: String?
        init(href: String?) { self.href = href }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(href, forKey: .href)
        }
    }

    struct Envelope<Item: Content>: Content {
        var _links: [String: Link]
        var count: Int
        var data: [Item]
    }

    /// One page of `items`, with `self`, `next` and `previous` links like Oneflow's: the same
    /// path and query (filters, sort) with `offset` and `limit` set; `next` and `previous` are
    /// null where there is no such page. https://developer.oneflow.com/docs/pagination
    static func page<Item: Content>(_ items: [Item], offset: Int, limit: Int, request: Request) -> Envelope<Item> {
        let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
        let path = String(request.url.path.split(separator: "/v1", maxSplits: 1).last ?? "")
        // The query as sent, less offset and limit (split by hand: `filter[x]` is not a valid URLComponents query).
        let kept = (request.url.query ?? "").split(separator: "&").filter {
            let name = $0.split(separator: "=", maxSplits: 1).first ?? ""
            return !name.isEmpty && name != "offset" && name != "limit"
        }
        func href(_ at: Int) -> String {
            "https://api.oneflow.com/v1\(path)?" + (kept.map(String.init) + ["limit=\(limit)", "offset=\(at)"]).joined(separator: "&")
        }
        // Previous: the page before this one, or before the end when the offset is past it.
        let previous = offset > 0 ? max(0, min(offset, items.count) - limit) : nil
        return Envelope(
            _links: [
                "self": Link(href: href(offset)),
                "next": Link(href: offset + limit < items.count ? href(offset + limit) : nil),
                "previous": Link(href: previous.map(href)),
            ], count: items.count, data: slice)
    }

    struct Account: Content {
        var id: Int
        var name: String
        var country_code: String
        var registration_number: String
        var created_time: String?
        var updated_time: String?
        var token_info: [String: [String: String]]
        var _links: [String: Link]

        init(_ r: AccountRecord) {
            (id, name, country_code) = (r.id, r.name, "SE")
            registration_number = r.workspaces.first?.registrationNumber ?? ""
            (created_time, updated_time) = (time(r.createdTime), time(r.createdTime))
            token_info = ["integration": ["key": "hrbridge"]]
            _links = ["self": Link(href: "https://api.oneflow.com/v1/accounts/me")]
        }
    }

    struct DataField: Content {
        var id: Int
        var custom_id: String?
        var name: String
        var description: String
        var placeholder: String
        var value: String
        var active: Bool
        var source: String
        var created_time: String?
        var updated_time: String?
        var _links: [String: Link]

        init(_ r: DataFieldRecord, typeID: Int) {
            (id, custom_id, name, description, placeholder, value) = (r.id, r.customID, r.name, r.description, r.placeholder, r.value)
            (active, source) = (true, "user")
            (created_time, updated_time) = (time(r.createdTime), time(r.updatedTime))
            _links = ["template_type": Link(href: "https://api.oneflow.com/v1/template_types/\(typeID)")]
        }
    }

    struct TemplateType: Content {
        var id: Int
        var name: String
        var description: String
        var extension_type: String?
        var data_fields: [DataField]
        var created_time: String?
        var updated_time: String?
        var _links: [String: Link]

        init(_ r: TemplateTypeRecord) {
            (id, name, description, extension_type) = (r.id, r.name, r.description, r.extensionType)
            data_fields = r.dataFields.map { DataField($0, typeID: r.id) }
            (created_time, updated_time) = (time(r.createdTime), time(r.updatedTime))
            _links = ["self": Link(href: "https://api.oneflow.com/v1/template_types/\(r.id)")]
        }
    }

    struct DataFieldList: Content { var data_fields: [DataField] }

    struct Rule: Content {
        var type: String
        var values: [Scalar]
    }
    /// A JSON string or integer: event types are strings, workspace and other ids numbers.
    enum Scalar: Content {
        case string(String)
        case number(Int)
        case null
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let n = try? c.decode(Int.self) {
                self = .number(n)
            } else {
                self = .string(try c.decode(String.self))
            }
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .string(let s): try c.encode(s)
            case .number(let n): try c.encode(n)
            case .null: try c.encodeNil()
            }
        }
        var text: String {
            switch self {
            case .string(let s): s
            case .number(let n): String(n)
            case .null: ""
            }
        }
    }
    struct Filter: Content { var filter_rules: [Rule] }

    /// Oneflow documents `webhook_id`; public code reads `id` from list responses. Both are sent.
    struct Webhook: Content {
        var id: Int
        var webhook_id: Int
        var callback_url: String
        var sign_key: String?
        var template_group_id: Int?
        var integration_process_id: Int?
        var legacy_webhook: Bool
        var filters: [Filter]

        init(_ r: WebhookRecord) {
            (id, webhook_id, callback_url, sign_key, template_group_id) = (r.id, r.id, r.callbackURL, r.signKey, r.templateGroupID)
            (integration_process_id, legacy_webhook) = (nil, false)
            filters = r.filters.map { f in
                Filter(
                    filter_rules: f.rules.map { rule in
                        Rule(type: rule.type, values: rule.values.map { rule.type == "WORKSPACE" ? .number(Int($0) ?? 0) : .string($0) })
                    })
            }
        }
    }

    struct Event: Content {
        var id: Int
        var type: String
        var created_time: String?
        init(_ r: EventRecord) { (id, type, created_time) = (r.id, r.type, time(r.createdTime)) }
    }

    struct File: Content {
        var id: Int
        var name: String
        var type: String
        var `extension`: String
        var _links: [String: Link]
        init(_ r: FileRecord, contractID: Int) {
            (id, name, type, `extension`) = (r.id, r.name, r.type, "pdf")
            _links = ["self": Link(href: "https://api.oneflow.com/v1/contracts/\(contractID)/files/\(r.id)")]
        }
    }
}

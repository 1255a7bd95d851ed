/// A webhook. https://developer.oneflow.com/docs/webhook
///
/// The docs name the id `webhook_id`; list responses seen in public code use `id`. Both are read.
public struct Webhook: Codable, Sendable, Equatable {
    public var id: Int
    public var callbackURL: String
    public var signKey: String?
    public var templateGroupID: Int?
    public var filters: [WebhookFilter]?
    public var integrationInstance: Int?
    public var legacyWebhook: Bool?

    public init(
        id: Int, callbackURL: String, signKey: String? = nil, templateGroupID: Int? = nil,
        filters: [WebhookFilter]? = nil, integrationInstance: Int? = nil, legacyWebhook: Bool? = nil
    ) {
        self.id = id
        self.callbackURL = callbackURL
        self.signKey = signKey
        self.templateGroupID = templateGroupID
        self.filters = filters
        self.integrationInstance = integrationInstance
        self.legacyWebhook = legacyWebhook
    }

    enum CodingKeys: String, CodingKey {
        case id
        case webhookID = "webhook_id"
        case callbackURL = "callback_url"
        case signKey = "sign_key"
        case templateGroupID = "template_group_id"
        case filters
        case integrationInstance = "integration_instance"
        case legacyWebhook = "legacy_webhook"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = try c.decodeIfPresent(Int.self, forKey: .id) ?? c.decodeIfPresent(Int.self, forKey: .webhookID) else {
            throw DecodingError.keyNotFound(CodingKeys.id, .init(codingPath: c.codingPath, debugDescription: "Webhook has neither id nor webhook_id"))
        }
        self.id = id
        callbackURL = try c.decode(String.self, forKey: .callbackURL)
        signKey = try c.decodeIfPresent(String.self, forKey: .signKey)
        templateGroupID = try c.decodeIfPresent(Int.self, forKey: .templateGroupID)
        filters = try? c.decodeIfPresent([WebhookFilter].self, forKey: .filters)
        integrationInstance = try c.decodeIfPresent(Int.self, forKey: .integrationInstance)
        legacyWebhook = try c.decodeIfPresent(Bool.self, forKey: .legacyWebhook)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(id, forKey: .webhookID)
        try c.encode(callbackURL, forKey: .callbackURL)
        try c.encode(signKey, forKey: .signKey)
        try c.encode(templateGroupID, forKey: .templateGroupID)
        try c.encode(filters ?? [], forKey: .filters)
        try c.encodeIfPresent(integrationInstance, forKey: .integrationInstance)
        try c.encode(legacyWebhook ?? false, forKey: .legacyWebhook)
    }

    /// The event types this webhook's `EVENT_TYPE` rules admit; `nil` when it has no such rule (all events).
    public var eventTypes: [String]? {
        let rules = (filters ?? []).flatMap(\.filterRules).filter { $0.type == .eventType }
        return rules.isEmpty ? nil : rules.flatMap(\.values)
    }
}

/// `{"filter_rules": [{type, values}]}` — 1–2 rules, each with 1–50 values.
public struct WebhookFilter: Codable, Sendable, Equatable {
    public var filterRules: [FilterRule]
    public init(filterRules: [FilterRule]) { self.filterRules = filterRules }
    enum CodingKeys: String, CodingKey { case filterRules = "filter_rules" }

    public struct FilterRule: Codable, Sendable, Equatable {
        public var type: RuleType
        /// Event type strings for `EVENT_TYPE`; workspace ids (as JSON numbers) for `WORKSPACE`.
        public var values: [String]

        public init(type: RuleType, values: [String]) {
            self.type = type
            self.values = values
        }

        enum CodingKeys: String, CodingKey { case type, values }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(RuleType.self, forKey: .type)
            if let strings = try? c.decode([String].self, forKey: .values) {
                values = strings
            } else {
                values = try c.decode([Int].self, forKey: .values).map(String.init)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            if type == .workspace, case let ints = values.compactMap(Int.init), ints.count == values.count {
                try c.encode(ints, forKey: .values)
            } else {
                try c.encode(values, forKey: .values)
            }
        }
    }

    public struct RuleType: OpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let eventType: Self = "EVENT_TYPE"
        public static let workspace: Self = "WORKSPACE"
    }

    /// A filter admitting exactly these event types.
    public static func eventTypes(_ types: [String]) -> WebhookFilter {
        WebhookFilter(filterRules: [FilterRule(type: .eventType, values: types)])
    }
}

/// Body of `POST /v1/webhooks` and `PUT /v1/webhooks/{id}`.
/// https://developer.oneflow.com/reference/create-a-webhook — `callback_url` 1–1000 chars, HTTPS.
public struct WebhookInput: Codable, Sendable, Equatable {
    public var callbackURL: String
    public var signKey: String?
    public var templateGroupID: Int?
    public var filters: [WebhookFilter]?

    public init(callbackURL: String, signKey: String?, templateGroupID: Int?, filters: [WebhookFilter]?) {
        self.callbackURL = callbackURL
        self.signKey = signKey
        self.templateGroupID = templateGroupID
        self.filters = filters
    }

    enum CodingKeys: String, CodingKey {
        case callbackURL = "callback_url"
        case signKey = "sign_key"
        case templateGroupID = "template_group_id"
        case filters
    }
}

/// Oneflow's REST API v1, as HR Bridge uses it. https://developer.oneflow.com/reference/api-overview
///
/// A protocol so the App can be tested against the in-process sandbox or a fake; the live
/// implementation is `OneflowHTTPClient`. Every call takes the credentials of the
/// installation it acts for: one HR Bridge serves many Oneflow accounts.
public protocol OneflowClient: Sendable {
    /// `GET /v1/ping` — `{}` when the service is up and the token valid, 401 otherwise.
    func ping(_ credentials: OneflowCredentials) async throws(OneflowError)
    /// `GET /v1/accounts/me`.
    func currentAccount(_ credentials: OneflowCredentials) async throws(OneflowError) -> Account

    func templateTypes(_ credentials: OneflowCredentials, offset: Int, limit: Int) async throws(OneflowError) -> Page<TemplateType>
    func templateType(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> TemplateType
    func createTemplateType(_ credentials: OneflowCredentials, _ input: TemplateTypeInput) async throws(OneflowError) -> TemplateType
    /// Replaces the **whole** data-field set of a template type; absent fields are deleted.
    func replaceDataFields(_ credentials: OneflowCredentials, templateTypeID: Int, _ fields: [DataFieldInput]) async throws(OneflowError)
        -> [DataField]

    func webhooks(_ credentials: OneflowCredentials) async throws(OneflowError) -> [Webhook]
    func webhook(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> Webhook
    func createWebhook(_ credentials: OneflowCredentials, _ input: WebhookInput) async throws(OneflowError) -> Webhook
    func updateWebhook(_ credentials: OneflowCredentials, id: Int, _ input: WebhookInput) async throws(OneflowError) -> Webhook
    func deleteWebhook(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError)

    func contract(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> Contract
    func contracts(_ credentials: OneflowCredentials, query: ContractQuery) async throws(OneflowError) -> Page<Contract>
    func contractDataFields(_ credentials: OneflowCredentials, contractID: Int) async throws(OneflowError) -> [ContractDataField]
    func contractEvents(_ credentials: OneflowCredentials, contractID: Int, offset: Int, limit: Int) async throws(OneflowError) -> Page<ContractEvent>
    func contractFiles(_ credentials: OneflowCredentials, contractID: Int) async throws(OneflowError) -> [ContractFile]
    func downloadFile(_ credentials: OneflowCredentials, contractID: Int, fileID: Int) async throws(OneflowError) -> DownloadedFile

    // Creating and sending contracts: `shared/oneflow-contract-creation.md` §0.

    /// `GET /v1/workspaces` — the workspaces the acting user can see.
    func workspaces(_ credentials: OneflowCredentials, offset: Int, limit: Int) async throws(OneflowError) -> Page<Workspace>
    /// `GET /v1/users` — the account's users (to map an HR admin to a Oneflow sender).
    func users(_ credentials: OneflowCredentials, offset: Int, limit: Int) async throws(OneflowError) -> Page<User>
    /// `GET /v1/helpers/contract_create_data` — per workspace where the acting user may create
    /// contracts, its active templates; filtered by template type or extension type when given.
    func contractCreateData(_ credentials: OneflowCredentials, templateTypeID: Int?, extensionType: String?) async throws(OneflowError)
        -> [WorkspaceTemplates]
    func templates(_ credentials: OneflowCredentials, query: TemplateQuery) async throws(OneflowError) -> Page<Template>
    func template(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> Template
    /// `POST /v1/contracts/create` — a new `draft`. Not idempotent: store the id at once.
    func createContract(_ credentials: OneflowCredentials, _ input: ContractCreateInput) async throws(OneflowError) -> Contract
    /// `PUT /v1/contracts/{id}/data_fields` — several values at once.
    func updateContractDataFields(_ credentials: OneflowCredentials, contractID: Int, _ updates: [ContractDataFieldUpdate]) async throws(OneflowError)
        -> [ContractDataField]
    /// `PUT /v1/contracts/{id}/data_fields/{id | c::custom_id}` — one value; `""` clears it.
    func updateContractDataField(_ credentials: OneflowCredentials, contractID: Int, field: DataFieldReference, value: String)
        async throws(OneflowError) -> ContractDataField
    /// `POST /v1/contracts/{id}/publish` — sends the invitations; drafts only, paid plans only (402).
    func publishContract(_ credentials: OneflowCredentials, contractID: Int, subject: String, message: String) async throws(OneflowError) -> Contract
    /// `DELETE /v1/contracts/{id}`.
    func deleteContract(_ credentials: OneflowCredentials, contractID: Int) async throws(OneflowError)
}

extension OneflowClient {
    /// Every template type of the account, following the pagination envelope.
    public func allTemplateTypes(_ credentials: OneflowCredentials) async throws(OneflowError) -> [TemplateType] {
        try await collectPages { offset, limit throws(OneflowError) in try await templateTypes(credentials, offset: offset, limit: limit) }
    }

    /// Every workspace the acting user can see, following the pagination envelope.
    public func allWorkspaces(_ credentials: OneflowCredentials) async throws(OneflowError) -> [Workspace] {
        try await collectPages { offset, limit throws(OneflowError) in try await workspaces(credentials, offset: offset, limit: limit) }
    }

    /// Every user of the account, following the pagination envelope.
    public func allUsers(_ credentials: OneflowCredentials) async throws(OneflowError) -> [User] {
        try await collectPages { offset, limit throws(OneflowError) in try await users(credentials, offset: offset, limit: limit) }
    }

    /// Every template matching `query` from its offset on, following the pagination envelope
    /// (`query.limit` is the page size).
    public func allTemplates(_ credentials: OneflowCredentials, query: TemplateQuery = TemplateQuery()) async throws(OneflowError) -> [Template] {
        try await collectPages(from: query.offset, limit: query.limit) { offset, limit throws(OneflowError) in
            var page = query
            (page.offset, page.limit) = (offset, limit)
            return try await templates(credentials, query: page)
        }
    }

    func collectPages<Item>(
        from start: Int = 0, limit: Int = Page<Item>.maxLimit,
        _ fetch: (_ offset: Int, _ limit: Int) async throws(OneflowError) -> Page<Item>
    ) async throws(OneflowError) -> [Item] {
        var all: [Item] = []
        var offset = start
        while true {
            let page = try await fetch(offset, limit)
            all += page.data
            offset += page.data.count
            if page.data.isEmpty || offset >= page.count || offset > Page<Item>.maxOffset { return all }
        }
    }
}

/// Parameters of `GET /v1/contracts`. https://developer.oneflow.com/reference/get-contracts
public struct ContractQuery: Sendable, Equatable {
    public var offset: Int
    public var limit: Int
    /// Sort columns, `-` prefix for descending, e.g. `["-state_updated_time"]`.
    /// https://developer.oneflow.com/docs/sorting
    public var sort: [String]
    /// `filter[name]=value` pairs, e.g. `["state": "signed"]`.
    public var filters: [String: String]

    public init(offset: Int = 0, limit: Int = 100, sort: [String] = [], filters: [String: String] = [:]) {
        self.offset = offset
        self.limit = limit
        self.sort = sort
        self.filters = filters
    }

    var queryItems: [(String, String)] {
        var items = [("offset", String(offset)), ("limit", String(limit))]
        if !sort.isEmpty { items.append(("sort", sort.joined(separator: ","))) }
        for key in filters.keys.sorted() { items.append(("filter[\(key)]", filters[key]!)) }
        return items
    }
}

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
    func replaceDataFields(_ credentials: OneflowCredentials, templateTypeID: Int, _ fields: [DataFieldInput]) async throws(OneflowError) -> [DataField]

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
}

extension OneflowClient {
    /// Every template type of the account, following the pagination envelope.
    public func allTemplateTypes(_ credentials: OneflowCredentials) async throws(OneflowError) -> [TemplateType] {
        var all: [TemplateType] = []
        var offset = 0
        while true {
            let page = try await templateTypes(credentials, offset: offset, limit: Page<TemplateType>.maxLimit)
            all += page.data
            offset += page.data.count
            if page.data.isEmpty || offset >= page.count || offset > Page<TemplateType>.maxOffset { return all }
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

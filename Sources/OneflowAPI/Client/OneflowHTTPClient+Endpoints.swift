import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The endpoint calls. Paths and shapes: `shared/oneflow-api.md` §1–§6.
extension OneflowHTTPClient {
    struct Empty: Codable, Sendable {}

    public func ping(_ credentials: OneflowCredentials) async throws(OneflowError) {
        _ = try await send(.GET, "/ping", credentials: credentials)
    }

    public func currentAccount(_ credentials: OneflowCredentials) async throws(OneflowError) -> Account {
        try await json(Account.self, .GET, "/accounts/me", credentials: credentials)
    }

    public func templateTypes(_ credentials: OneflowCredentials, offset: Int, limit: Int) async throws(OneflowError) -> Page<TemplateType> {
        try await json(
            Page<TemplateType>.self, .GET, "/template_types",
            query: [("offset", String(offset)), ("limit", String(limit))], credentials: credentials)
    }

    public func templateType(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> TemplateType {
        try await json(TemplateType.self, .GET, "/template_types/\(id)", credentials: credentials)
    }

    public func createTemplateType(_ credentials: OneflowCredentials, _ input: TemplateTypeInput) async throws(OneflowError) -> TemplateType {
        try await json(TemplateType.self, .POST, "/template_types", body: input, credentials: credentials)
    }

    public func replaceDataFields(_ credentials: OneflowCredentials, templateTypeID: Int, _ fields: [DataFieldInput]) async throws(OneflowError)
        -> [DataField]
    {
        try await json(
            DataFieldSet<DataField>.self, .PUT, "/template_types/\(templateTypeID)/data_fields",
            body: DataFieldSet(dataFields: fields), credentials: credentials
        ).dataFields
    }

    public func webhooks(_ credentials: OneflowCredentials) async throws(OneflowError) -> [Webhook] {
        try await json(ListOrPage<Webhook>.self, .GET, "/webhooks", credentials: credentials).items
    }

    public func webhook(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> Webhook {
        try await json(Webhook.self, .GET, "/webhooks/\(id)", credentials: credentials)
    }

    public func createWebhook(_ credentials: OneflowCredentials, _ input: WebhookInput) async throws(OneflowError) -> Webhook {
        try await json(Webhook.self, .POST, "/webhooks", body: input, credentials: credentials)
    }

    public func updateWebhook(_ credentials: OneflowCredentials, id: Int, _ input: WebhookInput) async throws(OneflowError) -> Webhook {
        try await json(Webhook.self, .PUT, "/webhooks/\(id)", body: input, credentials: credentials)
    }

    public func deleteWebhook(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) {
        _ = try await send(.DELETE, "/webhooks/\(id)", credentials: credentials)
    }

    public func contract(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> Contract {
        try await json(Contract.self, .GET, "/contracts/\(id)", credentials: credentials)
    }

    public func contracts(_ credentials: OneflowCredentials, query: ContractQuery) async throws(OneflowError) -> Page<Contract> {
        try await json(Page<Contract>.self, .GET, "/contracts", query: query.queryItems, credentials: credentials)
    }

    public func contractDataFields(_ credentials: OneflowCredentials, contractID: Int) async throws(OneflowError) -> [ContractDataField] {
        try await json(ListOrPage<ContractDataField>.self, .GET, "/contracts/\(contractID)/data_fields", credentials: credentials).items
    }

    public func contractEvents(_ credentials: OneflowCredentials, contractID: Int, offset: Int, limit: Int) async throws(OneflowError) -> Page<
        ContractEvent
    > {
        try await json(
            Page<ContractEvent>.self, .GET, "/contracts/\(contractID)/events",
            query: [("offset", String(offset)), ("limit", String(limit))], credentials: credentials)
    }

    public func contractFiles(_ credentials: OneflowCredentials, contractID: Int) async throws(OneflowError) -> [ContractFile] {
        try await json(ListOrPage<ContractFile>.self, .GET, "/contracts/\(contractID)/files", credentials: credentials).items
    }

    /// `GET /v1/contracts/{id}/files/{file_id}?download=true`, which may answer with a 302 to
    /// storage elsewhere; the redirect is followed once, without our token.
    /// https://developer.oneflow.com/docs/download-a-contract-file
    public func downloadFile(_ credentials: OneflowCredentials, contractID: Int, fileID: Int) async throws(OneflowError) -> DownloadedFile {
        let path = "/contracts/\(contractID)/files/\(fileID)"
        let (response, bytes) = try await send(.GET, path, query: [("download", "true")], credentials: credentials, maxBytes: Self.maxFileBytes)
        guard (300..<400).contains(response.status.code) else {
            return DownloadedFile(data: Array(buffer: bytes), contentType: response.headers.first(name: "content-type"))
        }
        guard let location = response.headers.first(name: "location") else {
            throw OneflowError(kind: .api, endpoint: "GET \(path)", status: Int(response.status.code), detail: "redirect without a location")
        }
        let target = location.hasPrefix("/") ? baseURL + location : location
        do {
            let redirected = try await http.execute(HTTPClientRequest(url: target), timeout: timeout)
            let body = try await redirected.body.collect(upTo: Self.maxFileBytes)
            guard redirected.status == .ok else {
                throw OneflowError(
                    kind: .api, endpoint: "GET \(path) (redirected)", status: Int(redirected.status.code),
                    detail: "file storage answered \(redirected.status.code)")
            }
            return DownloadedFile(data: Array(buffer: body), contentType: redirected.headers.first(name: "content-type"))
        } catch let error as OneflowError {
            throw error
        } catch {
            throw OneflowError(kind: .transport, endpoint: "GET \(path) (redirected)", detail: Self.describe(error))
        }
    }
}

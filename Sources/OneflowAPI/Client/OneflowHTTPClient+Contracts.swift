import Foundation
import NIOHTTP1

/// Creating and sending contracts. Paths and shapes: `shared/oneflow-contract-creation.md` §0–§7.
extension OneflowHTTPClient {
    public func workspaces(_ credentials: OneflowCredentials, offset: Int, limit: Int) async throws(OneflowError) -> Page<Workspace> {
        try await json(
            Page<Workspace>.self, .GET, "/workspaces",
            query: [("offset", String(offset)), ("limit", String(limit))], credentials: credentials)
    }

    public func users(_ credentials: OneflowCredentials, offset: Int, limit: Int) async throws(OneflowError) -> Page<User> {
        try await json(
            Page<User>.self, .GET, "/users",
            query: [("offset", String(offset)), ("limit", String(limit))], credentials: credentials)
    }

    /// The helper is documented as unpaginated (a bare array); the envelope is read too.
    /// https://developer.oneflow.com/reference/get-data-to-create-a-contract
    public func contractCreateData(_ credentials: OneflowCredentials, templateTypeID: Int?, extensionType: String?) async throws(OneflowError)
        -> [WorkspaceTemplates]
    {
        var query: [(String, String)] = []
        if let templateTypeID { query.append(("template_type_id", String(templateTypeID))) }
        if let extensionType { query.append(("extension_type", extensionType)) }
        return try await json(
            ListOrPage<WorkspaceTemplates>.self, .GET, "/helpers/contract_create_data",
            query: query, credentials: credentials
        ).items
    }

    public func templates(_ credentials: OneflowCredentials, query: TemplateQuery) async throws(OneflowError) -> Page<Template> {
        try await json(Page<Template>.self, .GET, "/templates", query: query.queryItems, credentials: credentials)
    }

    public func template(_ credentials: OneflowCredentials, id: Int) async throws(OneflowError) -> Template {
        try await json(Template.self, .GET, "/templates/\(id)", credentials: credentials)
    }

    /// https://developer.oneflow.com/reference/create-a-contract
    public func createContract(_ credentials: OneflowCredentials, _ input: ContractCreateInput) async throws(OneflowError) -> Contract {
        try await json(Contract.self, .POST, "/contracts/create", body: input, credentials: credentials)
    }

    /// The answer's shape is not documented: `{"data_fields": […]}`, a bare array and the
    /// envelope are all read. https://developer.oneflow.com/docs/update-a-data-field-value
    public func updateContractDataFields(_ credentials: OneflowCredentials, contractID: Int, _ updates: [ContractDataFieldUpdate])
        async throws(OneflowError) -> [ContractDataField]
    {
        try await json(
            DataFieldsAnswer.self, .PUT, "/contracts/\(contractID)/data_fields",
            body: DataFieldSet(dataFields: updates), credentials: credentials
        ).items
    }

    /// https://developer.oneflow.com/reference/update-a-contract-data-field-value
    public func updateContractDataField(_ credentials: OneflowCredentials, contractID: Int, field: DataFieldReference, value: String)
        async throws(OneflowError) -> ContractDataField
    {
        try await json(
            ContractDataField.self, .PUT, "/contracts/\(contractID)/data_fields/\(field.pathComponent)",
            body: ValueBody(value: value), credentials: credentials)
    }

    /// https://developer.oneflow.com/docs/publish-a-contract
    public func publishContract(_ credentials: OneflowCredentials, contractID: Int, subject: String, message: String) async throws(OneflowError)
        -> Contract
    {
        try await json(
            Contract.self, .POST, "/contracts/\(contractID)/publish",
            body: PublishBody(subject: subject, message: message), credentials: credentials)
    }

    public func deleteContract(_ credentials: OneflowCredentials, contractID: Int) async throws(OneflowError) {
        _ = try await send(.DELETE, "/contracts/\(contractID)", credentials: credentials)
    }

    struct ValueBody: Codable, Sendable { var value: String }
    struct PublishBody: Codable, Sendable {
        var subject: String
        var message: String
    }

    /// `{"data_fields": […]}`, a bare array, or the pagination envelope.
    struct DataFieldsAnswer: Decodable, Sendable {
        var items: [ContractDataField]
        init(from decoder: any Decoder) throws {
            if let set = try? DataFieldSet<ContractDataField>(from: decoder) {
                items = set.dataFields
            } else {
                items = try ListOrPage<ContractDataField>(from: decoder).items
            }
        }
    }
}

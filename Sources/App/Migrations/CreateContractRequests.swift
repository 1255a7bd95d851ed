import Fluent

/// `contract_requests`: contracts the HR side asked HR Bridge to create in Oneflow
/// (`ContractRequest`), with their history (`contract_request_events`), and
/// `employment_contracts.contract_request_id`, the request a contract came from, and
/// `sending_settings`, an installation's defaults for them (`SendingSettings`).
struct CreateContractRequests: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("contract_requests")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id"))
            .field("employee_id", .uuid, .references("employees", "id", onDelete: .setNull))
            .field("idempotency_key", .string)
            .field("request_hash", .string, .required)
            .field("state", .string, .required)
            .field("input", .string, .required)
            .field("personal_number_sealed", .string)
            .field("name", .string, .required)
            .field("send", .bool, .required)
            .field("workspace_id", .int64, .required)
            .field("template_id", .int64, .required)
            .field("sender_email", .string, .required)
            .field("create_attempts", .int, .required, .sql(.default(0)))
            .field("create_started_at", .datetime)
            .field("oneflow_contract_id", .int64)
            .field("failure", .string)
            .field("created_by", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "installation_id", "idempotency_key")
            .create()
        try await database.schema("contract_request_events")
            .id()
            .field("request_id", .uuid, .required, .references("contract_requests", "id", onDelete: .cascade))
            .field("state", .string, .required)
            .field("note", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await database.schema("employment_contracts").field("contract_request_id", .uuid).update()
        try await database.schema("sending_settings")
            .id()
            .field("installation_id", .uuid, .required, .references("installations", "id", onDelete: .cascade))
            .field("sender_email", .string, .required)
            .field("template_id", .int64)
            .field("delivery_channel", .string)
            .field("sign_method", .string)
            .field("two_step_authentication_method", .string)
            .field("subject", .string)
            .field("message", .string)
            .field("updated_at", .datetime)
            .unique(on: "installation_id")
            .create()
        try await IndexHelper.create(
            "contract_requests_by_contract", on: "contract_requests", columns: ["installation_id", "oneflow_contract_id"], in: database)
        try await IndexHelper.create("contract_requests_by_time", on: "contract_requests", columns: ["created_at"], in: database)
        try await IndexHelper.create(
            "contract_request_events_by_request", on: "contract_request_events", columns: ["request_id", "created_at"], in: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sending_settings").delete()
        try await database.schema("employment_contracts").deleteField("contract_request_id").update()
        try await database.schema("contract_request_events").delete()
        try await database.schema("contract_requests").delete()
    }
}

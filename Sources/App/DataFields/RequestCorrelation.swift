/// The data field that ties a contract in Oneflow to the contract request it was made for.
///
/// Oneflow documents no idempotency key for `POST /v1/contracts/create`: a call whose answer
/// is lost (a crash, a timeout, a gateway's 502) may or may not have made a contract. Each
/// request puts its id in this field, so the job looks for it
/// (`GET /v1/contracts?filter[data_field_match]=hrbridge_request_id:<id>`) before creating
/// again (`shared/oneflow-contract-creation.md` §7). Provisioned with our fields on every
/// setup; a template need not show it. Never mapped to an HR field.
enum RequestCorrelation {
    static let customID = "hrbridge_request_id"

    static let dataField = AppConfig.DataFieldSpec(
        customID: customID, name: "HR Bridge request",
        description: "Set by HR Bridge on contracts it creates, to find them again. Leave it out of the contract's text.",
        placeholder: "")

    /// Our data fields as provisioned on the template group: the configured ones, then this one.
    static func provisioned(_ configured: [AppConfig.DataFieldSpec]) -> [AppConfig.DataFieldSpec] {
        configured.contains { $0.customID == customID } ? configured : configured + [dataField]
    }
}

import Foundation
import Vapor

/// A contract request as the JSON API returns it and notifications carry it.
struct ContractRequestJSON: Content, Equatable {
    struct Step: Codable, Sendable, Equatable {
        var at: String?
        var state: String
        var note: String
    }

    var id: UUID
    var installation: InstallationReference?
    var state: String
    var employee_id: UUID?
    var name: String
    var workspace_id: Int
    var template_id: Int
    var send: Bool
    var oneflow_contract_id: Int?
    /// Where to open the contract in Oneflow (the sandbox's page when it stands in for Oneflow).
    var oneflow_url: String?
    var failure: String?
    var created_at: String?
    var updated_at: String?
    var history: [Step]?

    /// - Parameter contractPage: the URL of a Oneflow contract's page, by its id.
    init(
        _ r: ContractRequest, installation: InstallationReference?, history: [ContractRequestEvent]?, contractPage: (Int) -> String
    ) throws {
        id = try r.requireID()
        self.installation = installation
        state = r.state.rawValue
        employee_id = r.$employee.id
        name = r.name
        workspace_id = r.workspaceID
        template_id = r.templateID
        send = r.send
        oneflow_contract_id = r.oneflowContractID
        oneflow_url = r.oneflowContractID.map(contractPage)
        failure = r.failure
        created_at = HRRecordsJSON.time(r.createdAt)
        updated_at = HRRecordsJSON.time(r.updatedAt)
        self.history = history?.map { Step(at: HRRecordsJSON.time($0.createdAt), state: $0.state, note: $0.note) }
    }
}

/// `GET /api/v1/contract-requests`: a page, newest first.
struct ContractRequestListJSON: Content {
    var data: [ContractRequestJSON]
    var next_offset: Int?
}

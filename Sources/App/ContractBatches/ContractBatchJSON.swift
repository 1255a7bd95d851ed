import Foundation
import Vapor

/// A contract batch as the JSON API returns it: its state, counts of its rows by their
/// requests' states, the rows refused when it was asked for, and (one batch) each row.
struct ContractBatchJSON: Content, Equatable {
    struct Row: Content, Equatable {
        var index: Int
        var request_id: UUID
        var state: String
        var employee_id: UUID?
        var oneflow_contract_id: Int?
        var failure: String?
    }

    var id: UUID
    var installation: InstallationReference?
    /// `running`, `paused`, `cancelling`, `cancelled`, or `done` once a running batch has every
    /// row settled (made, sent, or failed; signing goes on).
    var state: String
    var label: String?
    /// Rows asked for, accepted (each a contract request) and refused.
    var rows: Int
    var accepted: Int
    /// Accepted rows by their request's state (every state, 0 included).
    var counts: [String: Int]
    /// Rows no longer waiting or being created or sent.
    var settled: Int
    var refused: [ContractBatch.Refusal]
    var created_at: String?
    var updated_at: String?
    /// Each accepted row (one batch; not in lists).
    var requests: [Row]?

    init(
        _ batch: ContractBatch, installation: InstallationReference?, counts stored: [ContractRequest.State: Int], inFlight: Int,
        rows: [ContractRequest]?
    )
        throws
    {
        id = try batch.requireID()
        self.installation = installation
        label = batch.label
        self.rows = batch.rowCount
        refused = batch.refusals
        accepted = stored.values.reduce(0, +)
        counts = Dictionary(uniqueKeysWithValues: ContractRequest.State.allCases.map { ($0.rawValue, stored[$0] ?? 0) })
        settled = accepted - (stored[.queued] ?? 0) - inFlight
        state = batch.state == .running && settled == accepted ? "done" : batch.state.rawValue
        created_at = HRRecordsJSON.time(batch.createdAt)
        updated_at = HRRecordsJSON.time(batch.updatedAt)
        requests = try rows?.map {
            Row(
                index: $0.batchIndex ?? 0, request_id: try $0.requireID(), state: $0.state.rawValue, employee_id: $0.$employee.id,
                oneflow_contract_id: $0.oneflowContractID, failure: $0.failure)
        }
    }
}

/// `GET /api/v1/contract-batches`: a page, newest first.
struct ContractBatchListJSON: Content {
    var data: [ContractBatchJSON]
    var next_offset: Int?
}

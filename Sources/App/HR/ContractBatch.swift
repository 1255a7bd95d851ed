import Fluent
import Foundation

/// Many contract requests asked for at once (`POST /api/v1/contract-batches`, or the admin's
/// upload): each accepted row is a `ContractRequest` of its own (`batch_id`, `batch_index`),
/// started a few at a time (`ContractBatchJobs`); the rows refused when it was asked are kept
/// here with their problems, which name fields, never values.
final class ContractBatch: Model, @unchecked Sendable {
    static let schema = "contract_batches"

    enum State: String, Codable, Sendable {
        /// Its rows are started as the pace allows.
        case running
        /// No more rows start until it is resumed; rows already started go on.
        case paused
        /// No more rows start; its drafts are being deleted in Oneflow; sent contracts are left.
        case cancelling
        /// Cancelled, and none of its drafts is left (or they cannot be deleted: disconnected).
        case cancelled
        /// Every row started and settled (made, sent or failed); signing goes on.
        case done
    }

    /// A row refused when the batch was asked for: its index in `requests` and every problem.
    struct Refusal: Codable, Sendable, Equatable {
        var index: Int
        var problems: [FieldProblem]
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "installation_id") var installation: Installation
    @OptionalField(key: "idempotency_key") var idempotencyKey: String?
    /// SHA-256 of the body as read: a retry under the same key is told apart from another batch.
    @Field(key: "request_hash") var requestHash: String
    @Enum(key: "state") var state: State
    /// What the HR admin called it (the uploaded file's name), if anything.
    @OptionalField(key: "label") var label: String?
    /// Rows asked for, accepted and refused.
    @Field(key: "row_count") var rowCount: Int
    /// `[Refusal]` as JSON.
    @Field(key: "refused") var refused: String
    @Field(key: "created_by") var createdBy: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(installationID: UUID, idempotencyKey: String?, requestHash: String, label: String?, rowCount: Int, refused: [Refusal], createdBy: String)
        throws
    {
        self.id = .timeOrdered()
        self.$installation.id = installationID
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
        self.state = .running
        self.label = label
        self.rowCount = rowCount
        self.refused = String(decoding: try JSONEncoder.sorted.encode(refused), as: UTF8.self)
        self.createdBy = createdBy
    }

    var refusals: [Refusal] { (try? JSONDecoder().decode([Refusal].self, from: Data(refused.utf8))) ?? [] }
}

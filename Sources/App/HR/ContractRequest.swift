import Fluent
import Foundation
import SQLKit

/// A contract the HR side asked HR Bridge to create in Oneflow (`POST /api/v1/contract-requests`,
/// or the admin's "New contract"), for an employee or a new hire. Created by a job, exactly
/// once; then it follows its Oneflow contract's state, which the webhook path keeps current.
public final class ContractRequest: Model, @unchecked Sendable {
    public static let schema = "contract_requests"

    public enum State: String, Codable, Sendable, CaseIterable {
        /// Accepted; the contract is being created in Oneflow.
        case queued
        /// Created in Oneflow, not sent: asked so, or publishing failed (`failure` says why).
        case draft
        /// Published: the invitations went out.
        case sent
        /// Oneflow refused it, or it could not be created after every retry.
        case failed
        case signed, declined
        /// The signing period ended before everyone signed (Oneflow's `overdue`).
        case expired
        /// The draft was deleted, here or in Oneflow.
        case deleted
        /// A row of a batch cancelled before it started: nothing was made in Oneflow.
        case cancelled

        /// The request's state for a state of its contract (`EmploymentContract.status`).
        static func following(contractStatus status: String) -> State? {
            switch status {
            case "draft": .draft
            case "pending": .sent
            case "overdue": .expired
            case "signed": .signed
            case "declined": .declined
            case "deleted": .deleted
            default: nil
            }
        }
    }

    @ID(key: .id) public var id: UUID?
    @Parent(key: "installation_id") public var installation: Installation
    /// The employee it is for: given, or made from the new hire when Oneflow created the contract.
    @OptionalParent(key: "employee_id") public var employee: Employee?
    /// The client's `Idempotency-Key`, unique per installation.
    @OptionalField(key: "idempotency_key") public var idempotencyKey: String?
    /// SHA-256 of the request body as read, to tell a retry from another request under the same key.
    @Field(key: "request_hash") public var requestHash: String
    @Enum(key: "state") public var state: State
    /// What was asked, checked and resolved (`ContractRequestPlan`), as JSON: the signer's name,
    /// email, phone and the HR fields, as the employee record keeps them; the personal number
    /// is kept apart, sealed.
    @Field(key: "input") public var input: String
    @OptionalField(key: "personal_number_sealed") public var personalNumberSealed: String?
    /// The contract's name in Oneflow.
    @Field(key: "name") public var name: String
    /// Publish once created.
    @Field(key: "send") public var send: Bool
    @Field(key: "workspace_id") public var workspaceID: Int
    @Field(key: "template_id") public var templateID: Int
    /// The Oneflow user it is created and sent as (`x-oneflow-user-email`).
    @Field(key: "sender_email") public var senderEmail: String
    /// Calls to `POST /v1/contracts/create` begun for it, each counted (and committed) before it
    /// is made: a later attempt that sees one looks for its contract before creating again.
    @Field(key: "create_attempts") public var createAttempts: Int
    /// When the last of them began: another attempt waits until it must have ended.
    @OptionalField(key: "create_started_at") public var createStartedAt: Date?
    @OptionalField(key: "oneflow_contract_id") public var oneflowContractID: Int?
    /// Why it failed, or why a draft was not sent, in words for an HR admin.
    @OptionalField(key: "failure") public var failure: String?
    /// `operator api key`, `installation api key` or `admin`.
    @Field(key: "created_by") public var createdBy: String
    /// The batch it is a row of (`ContractBatch`), and its index there; nil for a single request.
    @OptionalField(key: "batch_id") public var batchID: UUID?
    @OptionalField(key: "batch_index") public var batchIndex: Int?
    /// When its batch let it start (its job was queued then); nil while it waits its turn.
    @OptionalField(key: "batch_released_at") public var batchReleasedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    init(
        installationID: UUID, employeeID: UUID?, idempotencyKey: String?, requestHash: String, input: String, personalNumberSealed: String?,
        name: String, send: Bool, workspaceID: Int, templateID: Int, senderEmail: String, createdBy: String
    ) {
        self.id = .timeOrdered()
        self.$installation.id = installationID
        self.$employee.id = employeeID
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
        self.state = .queued
        self.createAttempts = 0
        self.input = input
        self.personalNumberSealed = personalNumberSealed
        self.name = name
        self.send = send
        self.workspaceID = workspaceID
        self.templateID = templateID
        self.senderEmail = senderEmail
        self.createdBy = createdBy
    }
}

/// One step of a contract request's history: the state it reached and why.
public final class ContractRequestEvent: Model, @unchecked Sendable {
    public static let schema = "contract_request_events"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "request_id") public var request: ContractRequest
    @Field(key: "state") public var state: String
    @Field(key: "note") public var note: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    init(requestID: UUID, state: ContractRequest.State, note: String) {
        self.id = .timeOrdered()
        self.$request.id = requestID
        self.state = state.rawValue
        self.note = note
    }
}

extension ContractRequest {
    /// Moves to `state` with a history entry (and the failure text when one is given), on `db`.
    func move(to state: ContractRequest.State, note: String, failure: String? = nil, on db: any Database) async throws {
        self.state = state
        if let failure { self.failure = failure } else if state != .draft { self.failure = nil }
        try await save(on: db)
        try await ContractRequestEvent(requestID: try requireID(), state: state, note: note).create(on: db)
    }
}

/// A batch's rows are inserted with plain SQL (`SQLInsertable`), a thousand in a few
/// statements: through Fluent's `create` one batch held SQLite's write lock ~250 ms, and every
/// acknowledgement meanwhile waited (bench/RESULTS.md). The same columns as the fields above.
extension ContractRequest: SQLInsertable {
    static let insertColumns = [
        "id", "installation_id", "employee_id", "idempotency_key", "request_hash", "state", "input", "personal_number_sealed", "name", "send",
        "workspace_id", "template_id", "sender_email", "create_attempts", "create_started_at", "oneflow_contract_id", "failure", "created_by",
        "batch_id", "batch_index", "batch_released_at", "created_at", "updated_at",
    ]

    func prepareInsert(at now: Date) {
        if id == nil { id = .timeOrdered(at: now) }
        $id.exists = true
        (createdAt, updatedAt) = (now, now)
    }

    var insertValues: [any SQLExpression] {
        [
            SQLBind(id), SQLBind($installation.id), SQLBind($employee.id), SQLBind(idempotencyKey), SQLBind(requestHash), SQLBind(state.rawValue),
            SQLBind(input), SQLBind(personalNumberSealed), SQLBind(name), SQLBind(send), SQLBind(workspaceID), SQLBind(templateID),
            SQLBind(senderEmail), SQLBind(createAttempts), SQLBind(createStartedAt), SQLBind(oneflowContractID), SQLBind(failure),
            SQLBind(createdBy), SQLBind(batchID), SQLBind(batchIndex), SQLBind(batchReleasedAt), SQLBind(createdAt), SQLBind(updatedAt),
        ]
    }
}

extension ContractRequestEvent: SQLInsertable {
    static let insertColumns = ["id", "request_id", "state", "note", "created_at"]

    func prepareInsert(at now: Date) {
        if id == nil { id = .timeOrdered(at: now) }
        $id.exists = true
        createdAt = now
    }

    var insertValues: [any SQLExpression] {
        [SQLBind(id), SQLBind($request.id), SQLBind(state), SQLBind(note), SQLBind(createdAt)]
    }
}

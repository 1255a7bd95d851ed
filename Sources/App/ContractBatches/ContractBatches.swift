import Fluent
import Foundation
import Logging
import NIOPosix
import SQLKit
import Vapor

/// Contract batches, for the JSON API (and the admin's upload): take one (every row checked on
/// its own, one `Idempotency-Key` for the whole), read one, pause, resume, cancel. Its rows
/// are contract requests; `ContractBatchJobs` starts them at the installation's pace, and each
/// goes on as a single request does (`ContractRequestJobs`: exactly once, 429s waited out).
struct ContractBatches {
    let services: AppServices
    let db: any Database
    let catalogs: SendingCatalogs
    let logger: Logger

    var writer: any DatabaseWriter { services.storage.writer(on: db) }
    var requests: ContractRequests { ContractRequests(services: services, db: db, catalogs: catalogs, logger: logger) }

    /// Checks every row and stores the accepted ones as requests of a new batch, waiting for
    /// their turn; the refused ones are kept with their problems. The same key and body
    /// return the first batch; another body under it is refused. A batch with no row
    /// acceptable is not made: 422 with each row's problems.
    func submit(_ input: ContractBatchInput, installationID: UUID, idempotencyKey: String?, createdBy: String) async throws -> ContractBatch {
        // A body of millions of empty rows is refused before it is encoded again for its fingerprint.
        _ = try Self.rows(of: input, max: services.config.sending.batchMaxRows)
        let fingerprint = try await Self.offTheEventLoops { input.fingerprint }
        if let key = idempotencyKey, let earlier = try await find(key: key, installationID: installationID) {
            return try Self.repeated(earlier, fingerprint: fingerprint)
        }
        let checked = try await check(input, installationID: installationID)
        let refused = checked.refused
        let requests = requests
        let accepted = try await Self.offTheEventLoops {
            try checked.accepted.map { row in
                let request = try requests.record(
                    row.plan, personalNumber: row.personalNumber, installationID: installationID, idempotencyKey: nil,
                    requestHash: row.fingerprint, createdBy: createdBy)
                request.batchIndex = row.index
                return request
            }
        }
        guard !accepted.isEmpty else {
            throw ContractRequestError.invalid(
                refused.flatMap { r in r.problems.map { .init(field: "requests[\(r.index)].\($0.field)", message: $0.message) } })
        }
        let batch = try ContractBatch(
            installationID: installationID, idempotencyKey: idempotencyKey, requestHash: fingerprint, label: input.label,
            rowCount: input.requests?.count ?? 0,
            refused: refused, createdBy: createdBy)
        let batchID = try batch.requireID()
        for request in accepted { request.batchID = batchID }
        let rowsToStore = accepted
        let now = services.clock.now
        do {
            try await writer.transaction(.background) { tx in
                // An erasure holds the same lock: the employees checked above are still there, or no batch is made.
                try await InstallationLock.acquire(installationID, on: tx)
                let named = Set(rowsToStore.compactMap { $0.$employee.id })
                if !named.isEmpty, try await Employee.query(on: tx).filter(\.$id ~~ Array(named)).count() != named.count {
                    throw Abort(.conflict, reason: "An employee a row names was erased meanwhile: send the batch again.")
                }
                try await batch.create(on: tx)
                try await rowsToStore.insert(on: tx, now: now)
                try await rowsToStore.map {
                    ContractRequestEvent(
                        requestID: $0.id!, state: .queued, note: "Row \($0.batchIndex! + 1) of a batch: it starts when its turn comes.")
                }.insert(on: tx, now: now)
                try await ContractBatchJobs.ensureRunning(installationID, now: now, on: tx)
            }
        } catch {
            // The same key, stored meanwhile by another request: answer as it was answered.
            if let key = idempotencyKey, let earlier = try await find(key: key, installationID: installationID) {
                return try Self.repeated(earlier, fingerprint: fingerprint)
            }
            throw error
        }
        logger.info(
            "contract batch queued",
            metadata: ["batch": "\(batchID)", "installation": "\(installationID)", "rows": "\(accepted.count)", "refused": "\(refused.count)"])
        return batch
    }

    /// A row that passed its check: what its request will hold.
    struct AcceptedRow {
        var index: Int
        var plan: ContractRequestPlan
        var personalNumber: String?
        /// The row as checked (defaults under it), for its request's `request_hash`.
        var fingerprint: String
    }

    /// Every row checked on its own, as a single request is, against the installation's catalog
    /// (read once) and the employees the rows name (one query); nothing is stored. What
    /// `submit` stores, and what the admin's preview shows. A batch that is wrong as a whole
    /// (no rows, too many, defaults naming a signer) throws.
    func check(_ input: ContractBatchInput, installationID: UUID) async throws -> (accepted: [AcceptedRow], refused: [ContractBatch.Refusal]) {
        let rows = try Self.rows(of: input, max: services.config.sending.batchMaxRows)
        let checker = try await requests.checker(installationID: installationID)
        let employees = try await requests.employees(Set(rows.compactMap(\.employee_id)), installationID: installationID)
        return try await Self.offTheEventLoops {
            var accepted: [AcceptedRow] = []
            var refused: [ContractBatch.Refusal] = []
            for (index, row) in rows.enumerated() {
                if let named = row.installation_id, named != installationID {
                    refused.append(.init(index: index, problems: [.init(field: "installation_id", message: "Not the batch's installation.")]))
                    continue
                }
                var merged = row.over(input.defaults)
                merged.installation_id = nil
                switch checker.plan(merged, employee: merged.employee_id.flatMap { employees[$0] }) {
                case .success(let (plan, personalNumber)):
                    accepted.append(AcceptedRow(index: index, plan: plan, personalNumber: personalNumber, fingerprint: merged.fingerprint))
                case .failure(let error):
                    refused.append(.init(index: index, problems: error.problems))
                }
            }
            return (accepted, refused)
        }
    }

    /// Runs a batch's CPU work (a thousand rows checked, encoded, sealed: a few hundred ms) on
    /// NIO's shared thread pool. Async code here runs on the HTTP event loops
    /// (`Entry`), and while one loop checked a batch every acknowledgement on it waited: the
    /// unrelated webhooks' p99.9 was 300 ms while a batch was posted (bench/RESULTS.md).
    static func offTheEventLoops<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// The rows asked for: 1 to `max`, and defaults that do not name who signs.
    private static func rows(of input: ContractBatchInput, max: Int) throws -> [ContractRequestInput] {
        let rows = input.requests ?? []
        var problems: [FieldProblem] = []
        if rows.isEmpty { problems.append(.init(field: "requests", message: "Give at least one contract request.")) }
        if rows.count > max {
            problems.append(.init(field: "requests", message: "At most \(max) contract requests in one batch (\(rows.count) given)."))
        }
        if input.defaults?.employee_id != nil || input.defaults?.person != nil {
            problems.append(.init(field: "defaults", message: "Each row names who signs (employee_id or person); the defaults cannot."))
        }
        if input.defaults?.installation_id != nil {
            problems.append(.init(field: "defaults.installation_id", message: "Name the installation at the top of the batch."))
        }
        if let label = input.label {
            if label.count > 200 { problems.append(.init(field: "label", message: "At most 200 characters.")) }
            // PostgreSQL stores no NUL in text (the rows' own text is checked by `ContractRequestCheck`).
            if label.contains("\u{0}") { problems.append(.init(field: "label", message: "Text may not contain the NUL character (U+0000).")) }
        }
        guard problems.isEmpty else { throw ContractRequestError.invalid(problems) }
        return rows
    }

    private static func repeated(_ earlier: ContractBatch, fingerprint: String) throws -> ContractBatch {
        guard earlier.requestHash == fingerprint else { throw ContractRequestError.keyReused }
        return earlier
    }

    private func find(key: String, installationID: UUID) async throws -> ContractBatch? {
        try await ContractBatch.query(on: db).filter(\.$installation.$id == installationID).filter(\.$idempotencyKey == key).first()
    }

    /// A batch the caller may see: another installation's is absent.
    func batch(_ id: UUID?, visibleTo mayRead: (UUID) -> Bool) async throws -> ContractBatch {
        guard let id, let batch = try await ContractBatch.find(id, on: db), mayRead(batch.$installation.id) else {
            throw ContractBatchError.notFound
        }
        return batch
    }

    /// The batch as the JSON API shows it (and the admin page's script reads it): its counts
    /// by state, and each row's request when `withRows`.
    func json(_ batch: ContractBatch, installation: InstallationReference?, withRows: Bool) async throws -> ContractBatchJSON {
        let (counts, sending) = try await BatchRows(sql: try db.sql()).counts(batch: try batch.requireID())
        return try ContractBatchJSON(
            batch, installation: installation, counts: counts, inFlight: sending, rows: withRows ? try await rows(of: batch) : nil)
    }

    /// Its rows' requests, by index.
    func rows(of batch: ContractBatch) async throws -> [ContractRequest] {
        try await ContractRequest.query(on: db).filter(\.$batchID == batch.requireID()).sort(\.$batchIndex).all()
    }

    /// No more rows start until it is resumed.
    func pause(_ batch: ContractBatch) async throws -> ContractBatch {
        try await move(batch, from: [.running], to: .paused)
    }

    func resume(_ batch: ContractBatch) async throws -> ContractBatch {
        try await move(batch, from: [.paused], to: .running)
    }

    /// No more rows start (those waiting become `cancelled`); rows started and not yet made are
    /// made as drafts, not sent; `ContractBatchJobs` deletes its drafts in Oneflow. Sent ones stay.
    func cancel(_ batch: ContractBatch) async throws -> ContractBatch {
        try await move(batch, from: [.running, .paused], to: .cancelling) { id, now, tx in
            let sql = try tx.sql()
            let waiting = try await sql.raw(
                """
                UPDATE contract_requests SET state = \(bind: ContractRequest.State.cancelled.rawValue), updated_at = \(bind: now)
                WHERE batch_id = \(bind: id) AND batch_released_at IS NULL AND state = \(bind: ContractRequest.State.queued.rawValue)
                RETURNING id
                """
            ).all().map { try $0.decode(column: "id", as: UUID.self) }
            try await waiting.map { ContractRequestEvent(requestID: $0, state: .cancelled, note: ContractRequestFollower.note(for: .cancelled)) }
                .insert(on: tx, now: now)
            try await sql.raw(
                """
                UPDATE contract_requests SET send = \(bind: false), updated_at = \(bind: now)
                WHERE batch_id = \(bind: id) AND state = \(bind: ContractRequest.State.queued.rawValue)
                """
            ).run()
        }
    }

    /// Moves a batch from one of `from` to `state` under its installation's lock, with `also`
    /// in the same transaction; the driver is woken. Not from another state: 409.
    private func move(
        _ batch: ContractBatch, from: [ContractBatch.State], to state: ContractBatch.State,
        also: @escaping @Sendable (UUID, Date, any Database) async throws -> Void = { _, _, _ in }
    ) async throws -> ContractBatch {
        let (id, installationID, now) = (try batch.requireID(), batch.$installation.id, services.clock.now)
        return try await writer.transaction(.background) { tx in
            try await InstallationLock.acquire(installationID, on: tx)
            guard let fresh = try await ContractBatch.find(id, on: tx) else { throw ContractBatchError.notFound }
            guard from.contains(fresh.state) else { throw ContractBatchError.cannot(state, from: fresh.state) }
            fresh.state = state
            try await fresh.save(on: tx)
            try await also(id, now, tx)
            try await ContractBatchJobs.ensureRunning(installationID, now: now, on: tx)
            return fresh
        }
    }
}

/// Why a batch cannot be read or acted on.
enum ContractBatchError: AbortError, Equatable {
    case notFound
    case cannot(ContractBatch.State, from: ContractBatch.State)

    var status: HTTPResponseStatus {
        switch self {
        case .notFound: .notFound
        case .cannot: .conflict
        }
    }

    var reason: String {
        switch self {
        case .notFound: "No such contract batch."
        case .cannot(let to, let from): "A \(from.rawValue) batch cannot be \(Self.verb(to))."
        }
    }

    /// What moving a batch to `state` is called.
    private static func verb(_ state: ContractBatch.State) -> String {
        switch state {
        case .running: "resumed"
        case .paused: "paused"
        case .cancelling, .cancelled: "cancelled"
        case .done: "finished"
        }
    }
}

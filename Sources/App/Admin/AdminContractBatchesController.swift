import Fluent
import Foundation
import Vapor

/// "Batches": every contract batch with its progress, and a page per batch with a progress
/// bar (kept current by `Public/js/batch-progress.js` from `…/progress`; without JavaScript,
/// the page as it was when loaded), its rows, its refused rows, Pause / Resume / Cancel and a
/// download of the rows that failed, to fix and upload again.
struct AdminContractBatchesController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("contract-batches", use: list)
        routes.get("contract-batches", ":id", use: detail)
        routes.get("contract-batches", ":id", "progress", use: progress)
        routes.get("contract-batches", ":id", "failed.csv", use: failed)
        routes.post("contract-batches", ":id", ":action", use: act)
    }

    func batches(_ req: Request) -> ContractBatches {
        ContractBatches(services: services, db: req.db, catalogs: req.application.sendingCatalogs, logger: req.logger)
    }

    struct Summary: Encodable {
        var id: String
        var label: String
        var account: String
        var created: String
        var state: String
        var settled: Int
        var accepted: Int
        var refused: Int
    }

    struct ListPage: Encodable {
        var title = "Batches"
        var frame: AdminFrame
        var batches: [Summary]
        var installations: String
    }

    @Sendable func list(req: Request) async throws -> View {
        let filter = try await InstallationFilter.read(req)
        let query = ContractBatch.query(on: req.db)
        if let installation = filter.selected { query.filter(\.$installation.$id == installation) }
        var summaries: [Summary] = []
        for batch in try await query.sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(100).all() {
            let json = try await batches(req).json(batch, installation: nil, withRows: false)
            summaries.append(
                Summary(
                    id: json.id.uuidString, label: batch.label ?? "Batch of \(batch.rowCount)", account: filter.names[batch.$installation.id] ?? "—",
                    created: AdminFormat.time(batch.createdAt), state: json.state, settled: json.settled, accepted: json.accepted,
                    refused: json.refused.count))
        }
        return try await req.view.render(
            "admin/contract-batches",
            ListPage(frame: AdminFrame(req, section: "contract-requests"), batches: summaries, installations: filter.options))
    }

    struct Count: Encodable {
        var state: String
        var count: Int
    }

    struct Row: Encodable {
        var number: Int
        var requestID: String
        var name: String
        var state: String
        var failure: String
        var contract: String
    }

    struct Refused: Encodable {
        var number: Int
        var problems: [String]
    }

    struct DetailPage: Encodable {
        var title: String
        var frame: AdminFrame
        var id: String
        var account: String
        var created: String
        var createdBy: String
        var state: String
        var settled: Int
        var accepted: Int
        var counts: [Count]
        var rows: [Row]
        var refused: [Refused]
        var failed: Int
        var running: Bool
        var paused: Bool
        var cancellable: Bool
        var finished: Bool
    }

    @Sendable func detail(req: Request) async throws -> View {
        let batch = try await found(req)
        let json = try await batches(req).json(batch, installation: nil, withRows: false)
        let requests = try await batches(req).rows(of: batch)
        let installation = try await Installation.find(batch.$installation.id, on: req.db)
        let failed = (json.counts["failed"] ?? 0) + json.refused.count
        let words = try await words(for: batch, on: req.db)
        let page = DetailPage(
            title: batch.label ?? "Batch of \(batch.rowCount)", frame: AdminFrame(req, section: "contract-requests"), id: json.id.uuidString,
            account: installation?.accountName ?? "—", created: AdminFormat.time(batch.createdAt), createdBy: batch.createdBy, state: json.state,
            settled: json.settled, accepted: json.accepted,
            counts: ContractRequest.State.allCases.map { Count(state: $0.rawValue, count: json.counts[$0.rawValue] ?? 0) }.filter { $0.count > 0 },
            rows: requests.map {
                Row(
                    number: ($0.batchIndex ?? 0) + 2, requestID: $0.id?.uuidString ?? "", name: $0.name, state: $0.state.rawValue,
                    failure: $0.failure ?? "", contract: $0.oneflowContractID.map(String.init) ?? "—")
            },
            refused: json.refused.map { r in Refused(number: r.index + 2, problems: r.problems.map(words)) },
            failed: failed, running: batch.state == .running && json.state != "done", paused: batch.state == .paused,
            cancellable: [.running, .paused].contains(batch.state) && json.state != "done", finished: ["done", "cancelled"].contains(json.state))
        return try await req.view.render("admin/contract-batch", page)
    }

    /// The batch as the JSON API shows it, without its rows: what the page's script reads.
    @Sendable func progress(req: Request) async throws -> Response {
        let response = try await batches(req).json(try await found(req), installation: nil, withRows: false).encodeResponse(for: req)
        response.headers.cacheControl = .init(noStore: true)
        return response
    }

    /// The rows that failed in Oneflow (with what was asked, to fix and upload again) and the
    /// rows refused when it was sent (their number and problems: their values are not kept).
    @Sendable func failed(req: Request) async throws -> Response {
        let batch = try await found(req)
        let requests = try await batches(req).rows(of: batch).filter { $0.state == .failed }
        let plans = requests.map { try? JSONDecoder().decode(ContractRequestPlan.self, from: Data($0.input.utf8)) }
        let fields = Set(plans.flatMap { $0?.hrFields.keys.map { $0 } ?? [] }).sorted()
        let words = try await words(for: batch, on: req.db)
        var rows: [[String]] = zip(requests, plans).map { request, plan in
            let signer = plan?.signer
            // An employee's row names the employee only: their own details come from the record.
            let person = plan?.employeeID == nil ? [signer?.name, signer?.email, signer?.phone, signer?.title] : [nil, nil, nil, nil]
            return [String((request.batchIndex ?? 0) + 2), plan?.employeeID?.uuidString ?? ""] + person.map { $0 ?? "" }
                + fields.map { plan?.hrFields[$0] ?? "" } + [request.failure ?? ""]
        }
        rows += batch.refusals.map { refusal in
            [String(refusal.index + 2)] + Array(repeating: "", count: 5 + fields.count)
                + [refusal.problems.map(words).joined(separator: "; ")]
        }
        let header = ["row", "employee_id", "name", "email", "phone", "title"] + fields + ["reason"]
        return CSVDownload.response(CSVTable(header: header, rows: rows), filename: "failed-rows.csv")
    }

    @Sendable func act(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let batch = try await found(req)
        let page = "/admin/contract-batches/\(batch.id?.uuidString ?? "")"
        do {
            switch req.parameters.get("action") {
            case "pause":
                _ = try await batches(req).pause(batch)
                return req.redirect(to: page, message: "Paused: no further contract starts until you resume.")
            case "resume":
                _ = try await batches(req).resume(batch)
                return req.redirect(to: page, message: "Resumed.")
            case "cancel":
                _ = try await batches(req).cancel(batch)
                return req.redirect(to: page, message: "Cancelled: its drafts are being deleted in Oneflow; sent contracts stay.")
            default: throw Abort(.notFound)
            }
        } catch let error as ContractBatchError {
            return req.redirect(to: page, message: error.reason)
        }
    }

    /// A problem as the upload's preview words it: the field by its label ("Email: …"), as the
    /// batch's installation names its fields.
    private func words(for batch: ContractBatch, on db: any Database) async throws -> (FieldProblem) -> String {
        let targets = BatchUpload.targets(try await FieldSets.one(batch.$installation.id, config: services.config, on: db).active)
        return { problem in "\(BatchUploadPage.field(problem.field, targets: targets)): \(problem.message)" }
    }

    private func found(_ req: Request) async throws -> ContractBatch {
        try await batches(req).batch(req.parameters.get("id").flatMap(UUID.init(uuidString:))) { _ in true }
    }
}

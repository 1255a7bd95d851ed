import Fluent
import Foundation
import Vapor

/// "Send a batch": a CSV file with a header row, its columns matched to the contract
/// request's fields (remembered per installation), every row checked and shown with its
/// problems, then "Send N contracts" makes the batch `POST /api/v1/contract-batches` makes.
/// Each step is a form post carrying the file's text; no JavaScript.
struct AdminBatchUploadController: RouteCollection {
    let services: AppServices

    func boot(routes: any RoutesBuilder) throws {
        routes.get("contract-batches", "new", use: start)
        // A file of up to 1 MB (`maxFileBytes`), carried through the steps percent-encoded.
        routes.on(.POST, "contract-batches", "new", body: .collect(maxSize: "4mb"), use: step).bodyLimit("4mb")
    }

    struct Form: Content {
        /// `map` (a new file), `remap` (back from the preview), `preview`, `problems` (the rows
        /// with problems as CSV) or `send`.
        var step: String?
        var installation_id: String?
        var file: File?
        var csv: String?
        var label: String?
        /// Per column index, where it goes (`BatchUpload.Target.value`).
        var map: [String: String]?
        var template_id: String?
        var send: String?
        var idempotency_key: String?
    }

    func batches(_ req: Request) -> ContractBatches {
        ContractBatches(services: services, db: req.db, catalogs: req.application.sendingCatalogs, logger: req.logger)
    }

    @Sendable func start(req: Request) async throws -> View {
        var page = BatchUploadPage(frame: AdminFrame(req, section: "contract-requests"), step: "upload")
        page.installationID = req.query[String.self, at: "installation"] ?? ""
        return try await render(req, page)
    }

    @Sendable func step(req: Request) async throws -> Response {
        try CSRF.verify(req)
        let form = try req.content.decode(Form.self)
        var page = BatchUploadPage(frame: AdminFrame(req, section: "contract-requests"), step: "upload")
        page.installationID = form.installation_id ?? ""
        page.label = (form.label?.nonEmpty ?? form.file?.filename.nonEmpty).map { String($0.prefix(200)) } ?? ""
        guard let installationID = form.installation_id.flatMap(UUID.init(uuidString:)),
            let installation = try await Installation.find(installationID, on: req.db)
        else { return try await refuse(req, page, "Choose the installation (the customer's Oneflow account) the contracts are for.") }
        page.installationName = installation.accountName
        let table: CSVTable
        do {
            page.csv = try Self.text(of: form)
            table = try CSVTable.parse(page.csv)
        } catch let problem as CSVTable.Problem {
            return try await refuse(req, page, problem.description)
        } catch let problem as UploadProblem {
            return try await refuse(req, page, problem.reason)
        }
        let catalog: SendingCatalog
        do {
            catalog = try await batches(req).requests.catalog(for: installation)
        } catch let error as ContractRequestError {
            return try await refuse(req, page, error.reason)
        }
        let targets = BatchUpload.targets(catalog)
        page.send = form.step == "map" || form.send == "1"
        let templateID = form.template_id.flatMap(Int.init)
        page.templates = FormChoice.templates(catalog.offers, chosen: templateID ?? catalog.defaultOffer?.template.id)
        guard form.step != "map" else {
            page.step = "map"
            let remembered = try await UploadMappings.remembered(installationID, on: req.db)
            page.map(table, targets: targets, columns: BatchUpload.guess(table.header, targets: targets, remembered: remembered))
            return try await render(req, page).encodeResponse(for: req)
        }
        let columns = table.header.indices.map { form.map?[String($0)] ?? "" }
        let upload = BatchUpload(table: table, columns: columns.map { c in targets.contains { $0.value == c } ? c : "" })
        page.step = "map"
        page.map(table, targets: targets, columns: upload.columns)
        if form.step == "remap" { return try await render(req, page).encodeResponse(for: req) }
        guard upload.repeatedTargets.isEmpty else {
            let names = upload.repeatedTargets.map { BatchUploadPage.field($0, targets: targets) }.joined(separator: ", ")
            return try await refuse(req, page, "Each field can come from one column only: \(names) is chosen for more than one.")
        }
        guard upload.columns.contains(where: { !$0.isEmpty }) else { return try await refuse(req, page, "Choose where at least one column goes.") }
        let input = upload.input(
            installationID: installationID, label: page.label.nonEmpty, defaults: ContractRequestInput(template_id: templateID, send: page.send))
        try await services.storage.writer(on: req.db).write(.background) { db in
            try await UploadMappings.remember(upload, installationID: installationID, on: db)
        }
        do {
            switch form.step {
            case "send":
                let batch = try await batches(req).submit(
                    input, installationID: installationID, idempotencyKey: form.idempotency_key?.nonEmpty, createdBy: "admin")
                let rows = try await BatchRows(sql: try req.db.sql()).counts(batch: try batch.requireID()).byState.values.reduce(0, +)
                return req.redirect(
                    to: "/admin/contract-batches/\(batch.id?.uuidString ?? "")",
                    message: "\(rows) contract\(rows == 1 ? " is" : "s are") on their way to Oneflow, a few at a time.")
            default:
                let (_, refused) = try await batches(req).check(input, installationID: installationID)
                if form.step == "problems" { return Self.problemRows(table, refused: refused, targets: targets) }
                page.step = "preview"
                page.preview(upload, targets: targets, refused: refused, templateID: templateID, send: page.send)
                page.idempotencyKey = form.idempotency_key?.nonEmpty ?? page.idempotencyKey
                return try await render(req, page).encodeResponse(for: req)
            }
        } catch let error as ContractRequestError {
            page.problems = error.problems.map { "\(BatchUploadPage.field($0.field, targets: targets)): \($0.message)" }
            return try await refuse(req, page, error.problems.isEmpty ? error.reason : "No row can be sent as it is.")
        }
    }

    struct UploadProblem: Error {
        var reason: String
    }

    /// The largest file taken: its text travels percent-encoded (up to three times as long) in
    /// the later steps' forms, which the route takes up to 4 MB of.
    static let maxFileBytes = 1_000_000

    /// The file's text (a new upload) or the text carried from the last step.
    static func text(of form: Form) throws -> String {
        if let file = form.file, file.data.readableBytes > 0 {
            guard file.data.readableBytes <= maxFileBytes else {
                throw UploadProblem(reason: "The file is larger than 1 MB: split it into smaller files (1,000 rows are usually under 200 kB).")
            }
            guard let text = String(validating: file.data.readableBytesView, as: UTF8.self) else {
                throw UploadProblem(reason: "The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again.")
            }
            return text
        }
        guard let text = form.csv?.nonEmpty else { throw UploadProblem(reason: "Choose a CSV file with a header row.") }
        return text
    }

    /// The rows with problems as they were in the file, with a last column saying what is wrong.
    /// A file downloaded so, fixed and uploaded again, has its old *Problems* column replaced.
    static func problemRows(_ table: CSVTable, refused: [ContractBatch.Refusal], targets: [BatchUpload.Target]) -> Response {
        let old = table.header.firstIndex { $0.caseInsensitiveCompare(problemsColumn) == .orderedSame }
        let keep = table.header.indices.filter { $0 != old }
        let rows = refused.map { r in
            keep.map { table.rows[r.index][$0] }
                + [r.problems.map { "\(BatchUploadPage.field($0.field, targets: targets)): \($0.message)" }.joined(separator: "; ")]
        }
        return CSVDownload.response(
            CSVTable(header: keep.map { table.header[$0] } + [problemsColumn], rows: rows), filename: "rows-with-problems.csv")
    }

    static let problemsColumn = "Problems"

    private func refuse(_ req: Request, _ page: BatchUploadPage, _ error: String) async throws -> Response {
        var page = page
        page.error = error
        return try await render(req, page).encodeResponse(status: .unprocessableEntity, for: req)
    }

    private func render(_ req: Request, _ page: BatchUploadPage) async throws -> View {
        var page = page
        page.installations = try await Installation.query(on: req.db).filter(\.$status == .active).sort(\.$accountName).all().map {
            AdminOption(value: $0.id?.uuidString ?? "", label: $0.accountName, selected: $0.id?.uuidString == page.installationID)
        }
        return try await req.view.render("admin/contract-batch-upload", page)
    }
}

/// A CSV file to download, never cached (it holds personal data).
enum CSVDownload {
    static func response(_ table: CSVTable, filename: String) -> Response {
        let response = Response(status: .ok, body: .init(string: table.csv()))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"")
        response.headers.cacheControl = .init(noStore: true)
        return response
    }
}

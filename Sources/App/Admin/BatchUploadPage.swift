import Foundation

/// What `admin/contract-batch-upload.leaf` shows, step by step: the file (`upload`), where
/// each column goes (`map`), then every row checked (`preview`). The file's text travels in
/// the form from step to step: nothing of it is stored until "Send".
struct BatchUploadPage: Encodable {
    struct Column: Encodable {
        var index: Int
        var header: String
        /// The first rows' values, to recognise the column by.
        var sample: String
        var options: [AdminOption]
    }

    struct Hidden: Encodable {
        var name: String
        var value: String
    }

    struct PreviewRow: Encodable {
        /// As a spreadsheet numbers it: the header is row 1.
        var number: Int
        var cells: [String]
        var problems: [String]
    }

    var title = "Send a batch of contracts"
    var frame: AdminFrame
    var step: String
    var installations: [AdminOption] = []
    var installationID = ""
    var installationName = ""
    var label = ""
    var csv = ""
    var error: String?
    var problems: [String] = []

    var columns: [Column] = []
    var templates: [FormChoice] = []
    var send = true

    /// The mapping and defaults chosen, carried as hidden inputs through the preview.
    var chosen: [Hidden] = []
    var headers: [String] = []
    var rows: [PreviewRow] = []
    var ready = 0
    var withProblems = 0
    var idempotencyKey = UUID().uuidString

    init(frame: AdminFrame, step: String) {
        self.frame = frame
        self.step = step
    }

    /// The map step: each column with its sample values and where it could go, `columns` chosen.
    mutating func map(_ table: CSVTable, targets: [BatchUpload.Target], columns chosen: [String]) {
        columns = table.header.enumerated().map { index, header in
            let sample = table.rows.prefix(3).map { $0[index] }.filter { !$0.isEmpty }.joined(separator: " · ")
            let selected = index < chosen.count ? chosen[index] : ""
            return Column(
                index: index, header: header, sample: String(sample.prefix(80)),
                options: [AdminOption(value: "", label: "— leave out —", selected: selected.isEmpty)]
                    + targets.map { AdminOption(value: $0.value, label: $0.label, selected: $0.value == selected) })
        }
    }

    /// The preview step: every row, its cells in the mapped columns and its problems.
    mutating func preview(
        _ upload: BatchUpload, targets: [BatchUpload.Target], refused: [ContractBatch.Refusal], templateID: Int?, send: Bool
    ) {
        let mapped = upload.columns.enumerated().filter { !$0.element.isEmpty }
        headers = mapped.map { column in targets.first { $0.value == column.element }?.label ?? column.element }
        let problems = Dictionary(uniqueKeysWithValues: refused.map { ($0.index, $0.problems) })
        rows = upload.table.rows.enumerated().map { index, row in
            PreviewRow(
                number: index + 2, cells: mapped.map { row[$0.offset] },
                problems: (problems[index] ?? []).map { "\(Self.field($0.field, targets: targets)): \($0.message)" })
        }
        withProblems = refused.count
        ready = upload.table.rows.count - refused.count
        chosen =
            upload.columns.enumerated().map { Hidden(name: "map[\($0.offset)]", value: $0.element) }
            + [Hidden(name: "template_id", value: templateID.map(String.init) ?? ""), Hidden(name: "send", value: send ? "1" : "0")]
    }

    /// A problem's field as the admin knows it: the column's target label (`person.email` →
    /// "Email", `fields.start_date` → "Start date").
    static func field(_ field: String, targets: [BatchUpload.Target]) -> String {
        targets.first { $0.value == field }?.label ?? field
    }
}

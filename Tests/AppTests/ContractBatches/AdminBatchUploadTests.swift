import Fluent
import Foundation
import Testing
import Vapor

@testable import App

/// The admin's batch: a CSV uploaded, its columns matched, every row checked, then sent and
/// followed on its page — all as form posts, no JavaScript.
@Suite("Contract batches: the admin upload")
struct AdminBatchUploadTests {
    static let file =
        "Name;E-mail;Start date;Salary;Notes\r\nAda One;ada@example.com;2027-09-01;50000;first\r\nBad Row;not-an-email;2027-09-01;1;second\r\nCe Three;ce@example.com;2027-09-01;52000;third\r\n"

    /// The upload form posted as a browser does: multipart, with the file.
    func upload(_ admin: Browser, csrf: String, installation: UUID, file: String, name: String = "autumn.csv") async throws -> Browser.Page {
        let boundary = "----hrbridge\(UUID().uuidString)"
        var body = ""
        for (field, value) in [("csrf_token", csrf), ("step", "map"), ("installation_id", installation.uuidString)] {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n"
        }
        body +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: text/csv\r\n\r\n\(file)\r\n--\(boundary)--\r\n"
        return try await admin.send(.POST, "/admin/contract-batches/new", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    /// What the map step chose for column `index`.
    func chosen(_ page: Browser.Page, _ index: Int) -> String? {
        guard let select = page.body.firstMatch(of: try! Regex(#"name="map\[\#(index)\]">(.*?)</select>"#)) else { return nil }
        return String(select.output[1].substring ?? "").firstMatch(of: /<option value="([^"]*)" selected>/).map { String($0.1) }
    }

    @Test("upload, columns matched by their names, every row checked with its problems, sent once, followed to done; the failed rows to download")
    func uploadAndSend() async throws {
        try await withRequestFixture(["SENDING_BATCH_ROWS_PER_MINUTE": "60000"]) { r in
            // Given a signed-in admin on "Send a batch"
            let admin = try await AdminTests().signIn(r.f)
            let start = try await admin.get("/admin/contract-batches/new")
            #expect(start.status == 200)
            let csrf = try #require(start.csrfToken)

            // When a file with a header row is uploaded
            let map = try await upload(admin, csrf: csrf, installation: r.installationID, file: Self.file)

            // Then each column is matched by its name, and the unknown one left out
            #expect(map.status == 200, "\(map.body)")
            #expect(chosen(map, 0) == "person.name")
            #expect(chosen(map, 1) == "person.email")
            #expect(chosen(map, 2) == "fields.start_date")
            #expect(chosen(map, 3) == "fields.salary")
            #expect(chosen(map, 4) == "")
            #expect(map.body.contains("Ada One · Bad Row · Ce Three"))
            let template = try #require(map.body.firstMatch(of: /<select id="template_id" name="template_id"><option value="(\d+)" selected>/)?.1)

            // When the notes go to the title, and the rows are checked
            var form = [
                "csrf_token": csrf, "installation_id": r.installationID.uuidString, "label": "autumn.csv", "csv": Self.file,
                "map[0]": "person.name", "map[1]": "person.email", "map[2]": "fields.start_date", "map[3]": "fields.salary",
                "map[4]": "person.title", "template_id": String(template), "send": "1", "step": "preview",
            ]
            let preview = try await admin.post("/admin/contract-batches/new", form: form)

            // Then every row is shown, the wrong one with its problem, and nothing is made yet
            #expect(preview.status == 200, "\(preview.body)")
            #expect(preview.body.contains("<strong>2 ready</strong>"))
            #expect(preview.body.contains("1 with problems"))
            #expect(preview.body.contains("Email: "), "\(preview.body)")
            #expect(preview.body.contains("Send 2 contracts"))
            #expect(try await ContractRequest.query(on: r.f.db).count() == 0)
            let key = try #require(preview.body.firstMatch(of: /name="idempotency_key" value="([^"]+)"/)?.1)

            // When the rows with problems are downloaded
            form["step"] = "problems"
            let problems = try await admin.post("/admin/contract-batches/new", form: form)
            #expect(problems.headers.first(name: .contentType)?.hasPrefix("text/csv") == true)
            #expect(problems.body.hasPrefix("\"Name\",\"E-mail\",\"Start date\",\"Salary\",\"Notes\",\"Problems\"\r\n\"Bad Row\",\"not-an-email\""))
            // (and that file, uploaded again still wrong, has its Problems column replaced, not repeated)
            var fixed = form
            fixed["csv"] = problems.body
            fixed["map[5]"] = ""
            let twice = try await admin.post("/admin/contract-batches/new", form: fixed)
            #expect(twice.body.hasPrefix("\"Name\",\"E-mail\",\"Start date\",\"Salary\",\"Notes\",\"Problems\"\r\n"), "\(twice.body)")

            // When Send is pressed twice (a double click)
            form["step"] = "send"
            form["idempotency_key"] = String(key)
            let sent = try await admin.post("/admin/contract-batches/new", form: form)
            let again = try await admin.post("/admin/contract-batches/new", form: form)

            // Then one batch of two rows is made, and its page shows its progress
            #expect(sent.status == 303, "\(sent.body)")
            #expect(again.location == sent.location)
            let batch = try #require(try await ContractBatch.query(on: r.f.db).all().first)
            #expect(try await ContractBatch.query(on: r.f.db).count() == 1)
            #expect(batch.label == "autumn.csv")
            #expect(batch.refusals.map(\.index) == [1])
            let page = try await admin.follow(sent)
            #expect(page.body.contains("2 contracts are on their way to Oneflow"))
            #expect(page.body.contains(#"<progress max="2" value="0""#), "\(page.body)")
            #expect(page.body.contains("data-progress-url=\"/admin/contract-batches/\(batch.id!)/progress\""))
            #expect(page.body.contains("/js/batch-progress.js"))
            #expect(try await admin.get("/js/batch-progress.js").status == 200)

            // When the worker has done its part
            let done = try await r.runBatch(batch.id!)
            #expect(done.state == "done")

            // Then the progress the page's script reads says so, and the page shows each row sent
            let progress = try JSONDecoder().decode(
                ContractBatchJSON.self, from: Data(try await admin.get("/admin/contract-batches/\(batch.id!)/progress").body.utf8))
            #expect(progress.settled == 2)
            #expect(progress.counts["sent"] == 2)
            let finished = try await admin.get("/admin/contract-batches/\(batch.id!)")
            #expect(finished.body.contains(#"<progress max="2" value="2""#))
            #expect(finished.body.contains("Ada One"))
            // and the refused row can be downloaded with its reason
            let failed = try await admin.get("/admin/contract-batches/\(batch.id!)/failed.csv")
            #expect(failed.body.contains("\"3\","), "\(failed.body)")
            #expect(failed.body.contains("Email: "), "\(failed.body)")
            // and the list shows the batch
            #expect(try await admin.get("/admin/contract-batches").body.contains("autumn.csv"))

            // When the next file with the same headers is uploaded
            let next = try await upload(admin, csrf: csrf, installation: r.installationID, file: Self.file)

            // Then the columns are matched as last time, the notes to the title
            #expect(chosen(next, 4) == "person.title")
        }
    }

    @Test("a file that is not a table, not UTF-8, or mapped twice to one field is refused with the reason; pause and cancel from the page")
    func refusalsAndActions() async throws {
        try await withRequestFixture { r in
            let admin = try await AdminTests().signIn(r.f)
            let csrf = try #require(try await admin.get("/admin/contract-batches/new").csrfToken)
            // A file with a header only
            let empty = try await upload(admin, csrf: csrf, installation: r.installationID, file: "name,email\r\n")
            #expect(empty.status == 422)
            #expect(empty.body.contains("The file is empty"))
            // Two columns to one field
            let twice = try await admin.post(
                "/admin/contract-batches/new",
                form: [
                    "csrf_token": csrf, "installation_id": r.installationID.uuidString, "csv": Self.file, "map[0]": "person.name",
                    "map[1]": "person.name", "step": "preview",
                ])
            #expect(twice.status == 422)
            #expect(twice.body.contains("Each field can come from one column only: Name"))
            // A file over 1 MB
            let big = try await upload(
                admin, csrf: csrf, installation: r.installationID, file: "name\r\n" + String(repeating: "A Person\r\n", count: 120_000))
            #expect(big.status == 422)
            #expect(big.body.contains("larger than 1 MB"))
            // Without a token, nothing
            #expect(try await admin.post("/admin/contract-batches/new", form: ["step": "map"]).status == 403)

            // Given a batch made through the API
            let batch = try r.batchJSON(
                try await r.postBatch((0..<3).map(ContractBatchTests.hire), defaults: ["fields": ["start_date": "2027-09-01"], "send": true]))
            // When it is paused and then cancelled from its page
            let paused = try await admin.post("/admin/contract-batches/\(batch.id)/pause", form: ["csrf_token": csrf])
            #expect(paused.status == 303)
            #expect(try await r.batch(batch.id).state == "paused")
            #expect(try await admin.follow(paused).body.contains("Paused: no further contract starts"))
            let cancelled = try await admin.post("/admin/contract-batches/\(batch.id)/cancel", form: ["csrf_token": csrf])
            #expect(cancelled.status == 303)
            // Then it is cancelled
            #expect(try await r.runBatch(batch.id).state == "cancelled")
        }
    }
}

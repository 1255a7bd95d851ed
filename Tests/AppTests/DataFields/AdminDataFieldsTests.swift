import Fluent
import Foundation
import Testing
import Vapor

@testable import App

/// The admin's data-fields page: each field, where it maps and whether it is in Oneflow; the
/// form saves the customer's own set; re-apply queues the reading again.
@Suite("Admin: data fields")
struct AdminDataFieldsTests {
    /// The form a browser sends: the configured fields as shown, then `extra` in the new row.
    static func form(_ config: AppConfig, csrf: String, rename: [String: String] = [:], extra: [String: String]) -> [String: String] {
        var form = ["csrf_token": csrf]
        let set = FieldSet.configured(config)
        for (i, field) in set.fields.enumerated() {
            form["fields[\(i)][custom_id]"] = field.customID
            form["fields[\(i)][name]"] = rename[field.customID] ?? field.name
            form["fields[\(i)][description]"] = field.description
            form["fields[\(i)][placeholder]"] = field.placeholder
            form["fields[\(i)][maps_to]"] = field.mapsTo ?? ""
            form["fields[\(i)][format]"] = field.format.rawValue
            if field.required { form["fields[\(i)][required]"] = "1" }
        }
        for (key, value) in extra { form["fields[\(set.fields.count)][\(key)]"] = value }
        return form
    }

    @Test(
        "the page lists the fields; the form adds, renames and maps one, provisioned in Oneflow; a bad one is shown again with the reason; re-apply is queued"
    )
    func page() async throws {
        try await withSyncFixture { f in
            let browser = try await AdminTests().signIn(f)
            let id = try f.installation.requireID()
            let path = "/admin/installations/\(id)/data-fields"
            let config = f.r.app.services.config

            // Given the page with the configured fields, each on the group
            let page = try await browser.get(path)
            #expect(page.status == 200)
            #expect(page.body.contains("The configured set"))
            #expect(page.body.contains("<code>start_date</code>"))
            #expect(page.body.contains("On the group"))
            #expect(try await browser.get("/admin/installations/\(id)").body.contains(path))

            // When a new field with a bad custom id is sent, the page comes back with the reason and what was typed
            let csrf = try #require(page.csrfToken)
            let bad = try await browser.post(
                path, form: Self.form(config, csrf: csrf, extra: ["custom_id": "Probation Months", "name": "Probation"]))
            #expect(bad.status == 422)
            #expect(bad.body.contains("lowercase letters"))
            #expect(bad.body.contains("Probation Months"))
            #expect(try await InstallationDataField.query(on: f.db).count() == 0)

            // When a field is renamed and one added that fills a custom HR field
            let saved = try await browser.post(
                path,
                form: Self.form(
                    config, csrf: csrf, rename: ["job_title": "Role"],
                    extra: ["custom_id": "probation_months", "name": "Probation (months)", "maps_to": "probation", "format": "text"]))

            // Then it is saved, set on the group, and the page says so
            #expect(saved.status == 303, "\(saved.body)")
            let after = try await browser.follow(saved)
            #expect(after.body.contains("Saved and set on the template group"))
            #expect(after.body.contains("This customer's own set"))
            #expect(after.body.contains("<code>probation_months</code>"))
            let group = try await f.r.app.services.oneflow.templateType(f.credentials, id: f.typeID).dataFields ?? []
            #expect(group.contains { $0.customID == "probation_months" && $0.name == "Probation (months)" })
            #expect(group.contains { $0.customID == "job_title" && $0.name == "Role" })
            let stored = try await FieldSets.one(id, config: config, on: f.db)
            #expect(stored.field("probation_months")?.mapsTo == "probation")

            // When existing employees are re-applied
            let reapplied = try await browser.post(path + "/reapply", form: ["csrf_token": csrf])
            #expect(reapplied.status == 303)
            #expect(try await browser.follow(reapplied).body.contains("Re-applying to existing employees"))
            #expect(try await Job.query(on: f.db).filter(\.$kind == FieldReapply.kind).count() == 1)
            // And both are in the audit trail
            let actions = try await AuditEvent.query(on: f.db).all().map(\.action)
            #expect(actions.contains(AuditLog.Action.dataFieldsSaved.rawValue))
            #expect(actions.contains(AuditLog.Action.dataFieldsReapplied.rawValue))
        }
    }
}

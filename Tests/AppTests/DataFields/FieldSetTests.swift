import Fluent
import Foundation
import OneflowAPI
import Testing
import Vapor

@testable import App

/// Each customer's own data fields and mapping (`FieldSet`), through the API, on its template
/// group in Oneflow, and in both directions of the mapping.
@Suite("Data fields per installation")
struct FieldSetTests {
    /// The configured fields as the API lists them, each as a mutable JSON object.
    static func configured(_ r: RequestFixture, id: UUID) async throws -> [[String: Any]] {
        let page = try await r.send(.GET, "/api/v1/installations/\(id)/data-fields")
        #expect(page.status == 200, "\(page.body)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
        return try #require(json["fields"] as? [[String: Any]])
    }

    static func put(_ r: RequestFixture, id: UUID, _ fields: [[String: Any]], key: String? = nil) async throws -> Browser.Page {
        try await r.f.r.browser().send(
            .PUT, "/api/v1/installations/\(id)/data-fields",
            body: String(decoding: try JSONSerialization.data(withJSONObject: ["fields": fields]), as: UTF8.self),
            contentType: "application/json", headers: ["authorization": "Bearer \(key ?? r.key)"])
    }

    /// The configured set with `salary` retired, `department` filling a custom HR field
    /// `team`, `job_title` renamed, and `probation_months` added (filling custom `probation`).
    static func changed(_ fields: [[String: Any]]) -> [[String: Any]] {
        var fields = fields
        for i in fields.indices {
            switch fields[i]["custom_id"] as? String {
            case "salary": fields[i]["retired"] = true
            case "department": fields[i]["maps_to"] = "team"
            case "job_title": fields[i]["name"] = "Role"
            default: break
            }
        }
        return fields + [
            ["custom_id": "probation_months", "name": "Probation (months)", "maps_to": "probation", "placeholder": "6"],
            ["custom_id": "union_agreement", "name": "Union agreement"],
        ]
    }

    static func groupFields(_ f: SyncFixture) async throws -> [DataField] {
        try await f.r.app.services.oneflow.templateType(f.credentials, id: f.typeID).dataFields ?? []
    }

    @Test("a customer's own set: saved with an operator key, provisioned on its group (a retired field stays there), read back; other keys refused")
    func saved() async throws {
        try await withSyncFixture { f in
            let r = RequestFixture(f: f)
            let id = try f.installation.requireID()
            // Given the configured set
            let configured = try await Self.configured(r, id: id)
            #expect(configured.count == f.r.app.services.config.extensionSettings.dataFields.count)

            // When the operator saves a changed one
            let page = try await Self.put(r, id: id, Self.changed(configured))

            // Then it is the installation's, in order, and on its template group in Oneflow
            #expect(page.status == 200, "\(page.body)")
            let saved = try JSONDecoder().decode(FieldSetJSON.self, from: Data(page.body.utf8))
            #expect(saved.customized)
            #expect(saved.fields.map(\.custom_id).suffix(2) == ["probation_months", "union_agreement"])
            #expect(saved.fields.first { $0.custom_id == "salary" }?.retired == true)
            let group = try await Self.groupFields(f)
            let byID = Dictionary(group.compactMap { field in field.customID.map { ($0, field) } }, uniquingKeysWith: { a, _ in a })
            #expect(byID["probation_months"]?.name == "Probation (months)")
            #expect(byID["union_agreement"] != nil)
            #expect(byID["job_title"]?.name == "Role")
            #expect(byID["salary"] != nil, "a retired field stays on the group")
            #expect(byID[RequestCorrelation.customID] != nil)
            let again = try JSONDecoder().decode(
                FieldSetJSON.self, from: Data(try await r.send(.GET, "/api/v1/installations/\(id)/data-fields").body.utf8))
            #expect(again.fields.map(\.custom_id) == saved.fields.map(\.custom_id))
            let audit = try await AuditEvent.query(on: f.db).filter(\.$action == AuditLog.Action.dataFieldsSaved.rawValue).all()
            #expect(audit.count == 1)

            // And a scoped key reads its own set, may not change it, and does not see another's
            let (beta, keyA, keyB) = try await r.secondInstallationWithKeys()
            #expect(try await r.send(.GET, "/api/v1/installations/\(id)/data-fields", key: keyA).status == 200)
            #expect(try await Self.put(r, id: id, Self.changed(configured), key: keyA).status == 403)
            #expect(try await r.send(.GET, "/api/v1/installations/\(id)/data-fields", key: keyB).status == 404)
            // and the other installation still has the configured set
            let betaSet = try JSONDecoder().decode(
                FieldSetJSON.self, from: Data(try await r.send(.GET, "/api/v1/installations/\(try beta.requireID())/data-fields").body.utf8))
            #expect(!betaSet.customized)
        }
    }

    @Test("a set that would lose a field, reuse a custom id or an HR field, or name ours is refused with every reason; nothing changes")
    func refused() async throws {
        try await withSyncFixture { f in
            let r = RequestFixture(f: f)
            let id = try f.installation.requireID()
            let configured = try await Self.configured(r, id: id)
            let before = try await Self.groupFields(f)

            // When a set drops a field, repeats a custom id, maps two fields to one HR field, uses our own field's id,
            // a custom id Oneflow paths cannot carry, and a signer's attribute as a custom HR field
            var fields = Array(configured.dropFirst())  // employee_number left out
            fields[0]["maps_to"] = "salary"  // start_date → salary, which salary fills already
            fields += [
                ["custom_id": "start_date", "name": "Again"], ["custom_id": RequestCorrelation.customID, "name": "Ours"],
                ["custom_id": "Bad Id", "name": "Spaces"], ["custom_id": "nickname", "name": "Nick", "maps_to": "email"],
                ["custom_id": "notes", "name": ""], ["custom_id": "old", "name": "Old", "retired": true, "required": true],
            ]
            let page = try await Self.put(r, id: id, fields)

            // Then it is 422 naming each, and neither HR Bridge nor the group changed
            #expect(page.status == 422, "\(page.body)")
            let problems = try r.problems(page)
            let n = fields.count
            #expect(problems["fields"]?.contains("employee_number") == true)
            #expect(problems["fields[\(configured.count - 2)].maps_to"]?.contains("fields[0] fills salary already") == true)  // salary, last
            #expect(problems["fields[\(n - 6)].custom_id"]?.contains("unique") == true)
            #expect(problems["fields[\(n - 5)].custom_id"]?.contains("HR Bridge's own") == true)
            #expect(problems["fields[\(n - 4)].custom_id"]?.contains("lowercase") == true)
            #expect(problems["fields[\(n - 3)].maps_to"]?.contains("signer") == true)
            #expect(problems["fields[\(n - 2)].name"] != nil)
            #expect(problems["fields[\(n - 1)].required"] != nil)
            #expect(try await InstallationDataField.query(on: f.db).count() == 0)
            #expect(try await Self.groupFields(f).map(\.customID) == before.map(\.customID))
            // An empty set or a body that is no set says so
            #expect(try await Self.put(r, id: id, []).status == 422)
        }
    }

    @Test("two installations sign the same kind of contract and get different HR records; a field added later fills the next contract")
    func mappedPerInstallation() async throws {
        try await withSyncFixture { f in
            let r = RequestFixture(f: f)
            let beta = try await SyncFixture.connect(f.r, name: "Beta Oy")
            let betaID = try beta.installation.requireID()
            let values = ["employee_number": "10023", "start_date": "2020-01-01", "department": "Support", "salary": "42000 SEK"]

            // Given a contract Beta signed before it changed its fields
            let early = try await beta.newContract(
                name: "Early Bird", email: "early@example.com", values: values.merging(["employee_number": "20001"]) { _, new in new })
            try await beta.act("publish", early)
            try await beta.act("sign", early)
            await f.deliver()
            try await f.settle()

            // When Beta retires salary, sends department to its own "team" field and adds probation_months
            let page = try await Self.put(r, id: betaID, Self.changed(try await Self.configured(r, id: betaID)))
            #expect(page.status == 200, "\(page.body)")

            // and both sign the same kind of contract (Beta's with the new field filled)
            let alpha = try await f.newContract(values: values)
            let betaContract = try await beta.newContract(
                name: "Jane Beta", email: "jane.beta@example.com",
                values: values.merging(["probation_months": "6", "employee_number": "20002"]) { _, new in new })
            for (fixture, id) in [(f, alpha), (beta, betaContract)] {
                try await fixture.act("publish", id)
                try await fixture.act("sign", id)
            }
            await f.deliver()
            try await f.settle()

            // Then Alpha's employee has the configured fields
            let alphaEmployee = try #require(try await Employee.query(on: f.db).filter(\.$installation.$id == f.installation.requireID()).first())
            #expect(try Self.decode(alphaEmployee.fields) == values)
            #expect(try Self.decode(alphaEmployee.customFields).isEmpty)
            // and Beta's has no salary, its department as "team" and the new field as "probation"
            let janeBeta = try #require(try await Employee.query(on: f.db).filter(\.$email == "jane.beta@example.com").first())
            #expect(try Self.decode(janeBeta.fields) == ["employee_number": "20002", "start_date": "2020-01-01"])
            #expect(try Self.decode(janeBeta.customFields) == ["team": "Support", "probation": "6"])
            // and the contract signed before the change kept what it had
            let earlyBird = try #require(try await Employee.query(on: f.db).filter(\.$email == "early@example.com").first())
            #expect(try Self.decode(earlyBird.fields)["salary"] == "42000 SEK")
            #expect(try Self.decode(earlyBird.customFields)["team"] == nil)

            // When Beta re-applies its fields to existing employees (a scoped key may not)
            let (_, keyA, _) = try await r.secondInstallationWithKeys()
            #expect(try await r.send(.POST, "/api/v1/installations/\(betaID)/data-fields/reapply", key: keyA).status == 403)
            let reapplied = try await r.send(.POST, "/api/v1/installations/\(betaID)/data-fields/reapply")
            #expect(reapplied.status == 202, "\(reapplied.body)")
            #expect(reapplied.body.contains("\"contracts\":2"))
            await Self.drainReapply(f)

            // Then the early employee has its department as "team" (salary left as it was), once
            let updated = try #require(try await Employee.find(earlyBird.requireID(), on: f.db))
            #expect(try Self.decode(updated.customFields)["team"] == "Support")
            #expect(try Self.decode(updated.fields)["salary"] == "42000 SEK")
            let history = try await ContractHistory.query(on: f.db).count()
            #expect(try await r.send(.POST, "/api/v1/installations/\(betaID)/data-fields/reapply").status == 202)
            await Self.drainReapply(f)
            #expect(try await ContractHistory.query(on: f.db).count() == history)
            let unfinished = try await Job.query(on: f.db).filter(\.$kind == FieldReapply.kind).filter(\.$status != .succeeded).all()
            #expect(unfinished.isEmpty, "\(unfinished.map { "\($0.status) \($0.lastError ?? "")" })")
        }
    }

    @Test("re-apply takes an employee's fields from its newest contract: once, however often it runs")
    func reapplyNewest() async throws {
        try await withSyncFixture { f in
            let r = RequestFixture(f: f)
            let id = try f.installation.requireID()
            // Given one employee with two signed contracts that name different departments
            for department in ["Support", "Sales"] {
                let contract = try await f.newContract(
                    values: ["employee_number": "10023", "start_date": "2020-01-01", "department": department, "salary": "42000 SEK"])
                try await f.act("publish", contract)
                try await f.act("sign", contract)
            }
            await f.deliver()
            try await f.settle()
            #expect(try await Employee.query(on: f.db).count() == 1)

            // When department is sent to a custom HR field and existing employees re-applied, twice
            #expect(try await Self.put(r, id: id, Self.changed(try await Self.configured(r, id: id))).status == 200)
            #expect(try await r.send(.POST, "/api/v1/installations/\(id)/data-fields/reapply").status == 202)
            await Self.drainReapply(f)
            let history = try await ContractHistory.query(on: f.db).count()
            #expect(try await r.send(.POST, "/api/v1/installations/\(id)/data-fields/reapply").status == 202)
            await Self.drainReapply(f)

            // Then the employee has the newest contract's department as "team", and the second changed nothing
            let employee = try #require(try await Employee.query(on: f.db).first())
            #expect(try Self.decode(employee.customFields)["team"] == "Sales")
            #expect(try await ContractHistory.query(on: f.db).count() == history)
        }
    }

    @Test("a required field fills an HR field; a custom HR field is not where an unmapped field keeps its value; number is a format")
    func moreRules() async throws {
        try await withSyncFixture { f in
            let r = RequestFixture(f: f)
            let id = try f.installation.requireID()
            let configured = try await Self.configured(r, id: id)
            let page = try await Self.put(
                r, id: id,
                configured + [
                    ["custom_id": "union_agreement", "name": "Union agreement", "required": true],
                    ["custom_id": "notes", "name": "Notes"], ["custom_id": "remarks", "name": "Remarks", "maps_to": "notes"],
                ])
            #expect(page.status == 422)
            let problems = try r.problems(page)
            #expect(problems["fields[\(configured.count)].required"]?.contains("must fill an HR field") == true)
            #expect(problems["fields[\(configured.count + 2)].maps_to"]?.contains("unmapped field notes") == true)
            let numbered = try await Self.put(
                r, id: id, configured + [["custom_id": "hours", "name": "Hours a week", "maps_to": "hours", "format": "number"]])
            #expect(numbered.status == 200, "\(numbered.body)")
            #expect(try await FieldSets.one(id, config: f.r.app.services.config, on: f.db).field("hours")?.format == .number)
        }
    }

    @Test("two saves at once: the one that stores second is refused (409), and Oneflow's group ends as the stored set")
    func racingSaves() async throws {
        try await withSyncFixture { f in
            let r = RequestFixture(f: f)
            let id = try f.installation.requireID()
            let configured = try await Self.configured(r, id: id)
            func renamed(_ name: String) -> [[String: Any]] {
                configured.map { field in
                    var field = field
                    if field["custom_id"] as? String == "job_title" { field["name"] = name }
                    return field
                }
            }
            // Given Oneflow slow to answer the first save's PUT (done at once, answered 10 s later:
            // time enough for the second save on a loaded machine)
            _ = try await f.r.control(
                "/faults",
                json: [
                    "method": "PUT", "path": "/template_types/\(f.typeID)/data_fields", "status": 200, "after": true, "delay_ms": 10000, "count": 1,
                ])

            // When a second save comes and is stored meanwhile
            let bodyA = String(decoding: try JSONSerialization.data(withJSONObject: ["fields": renamed("Role A")]), as: UTF8.self)
            let (browser, path, key) = (f.r.browser(), "/api/v1/installations/\(id)/data-fields", r.key)
            let first = Task {
                try await browser.send(.PUT, path, body: bodyA, contentType: "application/json", headers: ["authorization": "Bearer \(key)"]).status
            }
            // (the second starts once Oneflow has taken the first's PUT: the slow answer is the first's)
            let taken = try await eventually { try await f.r.browser().get("/sandbox/control/faults").body == "[]" }
            #expect(taken)
            #expect(try await Self.put(r, id: id, renamed("Role B")).status == 200)

            // Then the first is refused, and here and in Oneflow the set is the second's
            #expect(try await first.value == 409)
            #expect(try await FieldSets.one(id, config: f.r.app.services.config, on: f.db).field("job_title")?.name == "Role B")
            #expect(try await Self.groupFields(f).first { $0.customID == "job_title" }?.name == "Role B")
        }
    }

    /// Runs the re-apply's steps (each plans the next a few seconds on): due now, one by one.
    static func drainReapply(_ f: SyncFixture) async {
        for _ in 0..<10 {
            _ = try? await Job.query(on: f.db).filter(\.$kind == FieldReapply.kind).filter(\.$status == .queued)
                .set(\.$runAt, to: Date().addingTimeInterval(-1)).update()
            await f.drain()
        }
    }

    @Test("a contract request fills the installation's own fields from its HR fields; a retired field is not a field it fills")
    func requestFillsOwnFields() async throws {
        try await withSyncFixture { f in
            let r = RequestFixture(f: f)
            let id = try f.installation.requireID()
            #expect(try await Self.put(r, id: id, Self.changed(try await Self.configured(r, id: id))).status == 200)

            // When a request gives a retired field's HR field, it is refused with the fields it may give
            var hire = RequestFixture.newHire()
            let refused = try await r.post(hire)
            #expect(refused.status == 422, "\(refused.body)")
            #expect(try r.problems(refused)["fields.salary"]?.contains("probation") == true)

            // When it gives the custom HR fields instead
            hire["fields"] = ["start_date": "2027-03-01", "team": "Navy", "probation": "6"]
            let page = try await r.post(hire)
            #expect(page.status == 202, "\(page.body)")
            await f.drain()

            // Then the contract in Oneflow has them in the installation's data fields
            let request = try await r.request(try r.json(page).id)
            let contractID = try #require(request.oneflow_contract_id)
            let contract = try await f.r.app.services.oneflow.contract(f.credentials, id: contractID)
            let filled = Dictionary(
                contract.dataFields.compactMap { field in field.customID.map { ($0, field.value ?? "") } }, uniquingKeysWith: { a, _ in a })
            #expect(filled["department"] == "Navy")
            #expect(filled["probation_months"] == "6")
            #expect((filled["salary"] ?? "").isEmpty)
        }
    }

    static func decode(_ json: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
    }
}

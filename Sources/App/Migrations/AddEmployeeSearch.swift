import Fluent
import Foundation
import SQLKit

/// `employee_search_terms`: the words each employee is found by (`EmployeeSearch`), one row
/// per word, keyed by (term, employee) so a word's employees are one range of the key; by
/// employee, to replace or test an employee's words. Filled here for the employees already
/// stored, a thousand at a time. (On PostgreSQL, an employee an old process writes between
/// `migrate` and its restart gets its words at its next change: the sync writes them anew
/// whenever it writes an employee.)
struct AddEmployeeSearch: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One transaction: a backfill that fails half-way leaves no table behind for the next
        // `migrate` to trip over (Fluent runs a migration outside one).
        try await database.transaction { tx in
            let sql = try tx.sql()
            try await tx.schema(EmployeeSearch.table)
                .field("term", .sql(sql.binaryText), .required)
                .field("employee_id", .uuid, .required, .references(Employee.schema, "id", onDelete: .cascade))
                .compositeIdentifier(over: "term", "employee_id")
                .create()
            try await IndexHelper.create("employee_search_terms_employee", on: EmployeeSearch.table, columns: ["employee_id", "term"], in: tx)
            var after: UUID?
            while true {
                let query = Employee.query(on: tx).sort(\.$id).limit(1_000)
                if let after { query.filter(\.$id > after) }
                let employees = try await query.all()
                try await EmployeeSearch.index(employees, on: tx)
                guard employees.count == 1_000, let last = employees.last?.id else { return }
                after = last
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(EmployeeSearch.table).delete()
    }
}

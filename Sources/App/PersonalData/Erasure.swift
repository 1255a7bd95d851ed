import Fluent
import Foundation
import Logging
import SQLKit

/// What erasing people removes (GDPR art. 17), in the caller's transaction, which holds the
/// installation's lock (`InstallationLock`) so no sync write or contract request races it:
///
/// - the employees, their contracts with their history, their PDFs;
/// - their contract requests (the HR system's input, in clear) with their history;
/// - every notification about them, pending or sent (the bodies hold the records);
/// - the stored webhook payloads of their contracts (the delivery rows stay, without them);
///
/// and leaves a tombstone per contract (`ErasedContract`) with only its Oneflow id, so a later
/// notification of it is ignored ("erased") instead of bringing the person back.
enum Erasure {
    /// How much went. Counts only: nothing here names anyone.
    struct Summary: Codable, Equatable, Sendable {
        var employees = 0
        var contracts = 0
        var documents = 0
        var contractRequests = 0
        var notifications = 0
        var webhookPayloads = 0
        /// Webhook deliveries deleted (a customer's offboarding; an employee's keep their rows).
        var deliveries = 0

        enum CodingKeys: String, CodingKey {
            case employees, contracts, documents, notifications, deliveries
            case contractRequests = "contract_requests"
            case webhookPayloads = "webhook_payloads"
        }

        static func + (a: Summary, b: Summary) -> Summary {
            Summary(
                employees: a.employees + b.employees, contracts: a.contracts + b.contracts, documents: a.documents + b.documents,
                contractRequests: a.contractRequests + b.contractRequests, notifications: a.notifications + b.notifications,
                webhookPayloads: a.webhookPayloads + b.webhookPayloads, deliveries: a.deliveries + b.deliveries)
        }

        /// "1 employee, 2 contracts, 1 PDF …" (what there was), for the audit trail and the admin's notice.
        var words: String {
            let counts: [(Int, String, String)] = [
                (employees, "employee", "employees"), (contracts, "contract", "contracts"), (documents, "PDF", "PDFs"),
                (contractRequests, "contract request", "contract requests"), (notifications, "notification", "notifications"),
                (webhookPayloads, "webhook payload", "webhook payloads"), (deliveries, "webhook delivery", "webhook deliveries"),
            ]
            let parts = counts.filter { $0.0 > 0 }.map { n, one, many in "\(n) \(n == 1 ? one : many)" }
            return parts.isEmpty ? "nothing" : parts.joined(separator: ", ")
        }
    }

    /// The rows erasing some employees touches, found once: the preview counts them, the erasure removes them.
    struct Targets: Sendable {
        var installationID: UUID
        var employees: [UUID]
        var oneflowContractIDs: [Int]
        var requests: [UUID]
        /// PDFs a version before documents moved into the database stored under `data.dir`:
        /// removed from the disk after the erasure commits (`removeLegacyFiles`).
        var legacyFiles: [String] = []
        /// Every notification about a person shares their ordering key (`Outbox`): the
        /// employee's id, or a new hire's request's before the employee existed.
        var notificationKeys: [String] { (employees + requests).map(\.uuidString) }

        static func find(_ employeeIDs: [UUID], installationID: UUID, on db: any Database) async throws -> Targets {
            let sql = try db.sql()
            var targets = Targets(installationID: installationID, employees: employeeIDs, oneflowContractIDs: [], requests: [])
            guard !employeeIDs.isEmpty else { return targets }
            targets.oneflowContractIDs = try await sql.raw(
                "SELECT oneflow_contract_id FROM employment_contracts WHERE employee_id IN (\(binds: employeeIDs))"
            ).all().map { try $0.decode(column: "oneflow_contract_id", as: Int.self) }
            var requests: SQLQueryString = "SELECT id FROM contract_requests WHERE employee_id IN (\(binds: employeeIDs))"
            if !targets.oneflowContractIDs.isEmpty {
                requests =
                    requests
                    + " OR (installation_id = \(bind: installationID) AND oneflow_contract_id IN (\(binds: targets.oneflowContractIDs)))"
            }
            targets.requests = try await sql.raw(requests).all().map { try $0.decode(column: "id", as: UUID.self) }
            targets.legacyFiles = try await sql.raw(
                """
                SELECT storage_path FROM documents WHERE employee_id IN (\(binds: employeeIDs))
                AND storage_path <> \(bind: Document.inDatabase)
                """
            ).all().map { try $0.decode(column: "storage_path", as: String.self) }
            return targets
        }

        /// How much erasing would remove (the admin's confirmation names it).
        func count(on db: any Database) async throws -> Summary {
            let sql = try db.sql()
            func rows(_ query: SQLQueryString) async throws -> Int {
                try await sql.raw("SELECT COUNT(*) AS n FROM " + query).first()?.decode(column: "n", as: Int.self) ?? 0
            }
            guard !employees.isEmpty else { return Summary() }
            var summary = Summary()
            summary.employees = try await rows("employees WHERE id IN (\(binds: employees))")
            summary.contracts = oneflowContractIDs.count
            summary.contractRequests = requests.count
            summary.documents = try await rows("documents WHERE employee_id IN (\(binds: employees))")
            summary.notifications = try await rows("outbound_notifications WHERE ordering_key IN (\(binds: notificationKeys))")
            if !oneflowContractIDs.isEmpty {
                summary.webhookPayloads = try await rows(
                    """
                    webhook_deliveries WHERE installation_id = \(bind: installationID)
                    AND oneflow_contract_id IN (\(binds: oneflowContractIDs)) AND payload <> ''
                    """)
            }
            return summary
        }

        /// Erases them; see the type's comment. - Parameter tx: holds the installation's lock.
        func erase(locked tx: any Database, now: Date) async throws -> Summary {
            guard !employees.isEmpty else { return Summary() }
            let sql = try tx.sql()
            var summary = Summary()
            try await Erasure.tombstone(contractsWhere: "employee_id IN (\(binds: employees))", now: now, on: sql)
            if !oneflowContractIDs.isEmpty {
                summary.webhookPayloads = try await sql.changedRows(
                    """
                    UPDATE webhook_deliveries SET payload = '' WHERE installation_id = \(bind: installationID)
                    AND oneflow_contract_id IN (\(binds: oneflowContractIDs)) AND payload <> ''
                    """)
            }
            summary.notifications = try await sql.changedRows("DELETE FROM outbound_notifications WHERE ordering_key IN (\(binds: notificationKeys))")
            if !requests.isEmpty {
                summary.contractRequests = try await sql.changedRows("DELETE FROM contract_requests WHERE id IN (\(binds: requests))")
            }
            summary.documents = try await sql.changedRows("DELETE FROM documents WHERE employee_id IN (\(binds: employees))")
            summary.contracts = try await sql.changedRows("DELETE FROM employment_contracts WHERE employee_id IN (\(binds: employees))")
            summary.employees = try await sql.changedRows("DELETE FROM employees WHERE id IN (\(binds: employees))")
            return summary
        }
    }

    /// A tombstone for every contract `contracts` selects from employment_contracts, in one statement.
    static func tombstone(contractsWhere contracts: SQLQueryString, now: Date, on sql: any SQLDatabase) async throws {
        let insert: SQLQueryString =
            "INSERT INTO erased_contracts (id, installation_id, oneflow_contract_id, erased_at) SELECT id, installation_id, oneflow_contract_id, \(bind: now) FROM employment_contracts WHERE "
        try await sql.raw(insert + contracts + " ON CONFLICT (installation_id, oneflow_contract_id) DO NOTHING").run()
    }

    /// Removes PDFs stored on disk by an earlier version (`Document.storagePath`), after the
    /// erasure committed: a file that cannot be removed is logged (by its name, no one's).
    static func removeLegacyFiles(_ paths: [String], dataDirectory: String, logger: Logger) {
        for path in paths where !path.contains("..") {
            do {
                try FileManager.default.removeItem(atPath: dataDirectory + "/" + path)
            } catch CocoaError.fileNoSuchFile {
                continue
            } catch {
                logger.warning("erasure: a stored PDF could not be removed", metadata: ["file": "\(path)", "error": "\(ErrorText.log(error))"])
            }
        }
    }
}

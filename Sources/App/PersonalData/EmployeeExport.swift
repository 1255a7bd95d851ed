import Fluent
import Foundation
import Vapor

/// Everything stored about one employee, for an access request (GDPR art. 15):
/// `GET /api/v1/employees/{id}/export` and the admin's "Export". One JSON document, described
/// in the OpenAPI document (`EmployeeExport`): the record as the API shows it (contracts,
/// history, document list), each PDF inline (base64), the contract requests with what the HR
/// system sent, every notification about the person with its body, and the webhook
/// deliveries of their contracts.
struct EmployeeExport: Content {
    static let format = "hrbridge.employee-export.v1"

    struct DocumentContent: Content {
        var id: UUID
        var filename: String
        var content_type: String
        var sha256: String
        var content_base64: String
    }

    struct Request: Content {
        var request: ContractRequestJSON
        /// What the HR system sent for it (the person and the HR fields), as stored.
        var input: JSONValue?
    }

    struct Notification: Content {
        var id: UUID
        var type: String
        var reason: String
        var status: String
        var created_at: String?
        var sent_at: String?
        /// The body as sent (or to be sent) to the HR system.
        var body: JSONValue?
    }

    struct Delivery: Content {
        var id: UUID
        var oneflow_contract_id: Int
        var received_at: String?
        var event_types: [String]
        var status: String
        var outcome_reason: String?
        /// Oneflow's notification as received; nil once retention removed it.
        var payload: JSONValue?
    }

    var format = Self.format
    var exported_at: String?
    var employee: HRRecordsJSON.Employee
    var documents: [DocumentContent]
    var contract_requests: [Request]
    var notifications: [Notification]
    var webhook_deliveries: [Delivery]

    /// The export as a download (`employee-<id>.json`), recorded in the audit trail as `actor`'s.
    static func download(_ employee: Employee, by actor: AuditLog.Actor, services: AppServices, for req: Vapor.Request) async throws -> Response {
        let id = try employee.requireID()
        let response = try await of(employee, services: services, on: req.db).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"employee-\(id.uuidString.lowercased()).json\"")
        await services.audit(on: req.db, logger: req.logger).record(
            .employeeExported, by: actor, installation: employee.$installation.id, subject: id.uuidString)
        return response
    }

    static func of(_ employee: Employee, services: AppServices, on db: any Database) async throws -> EmployeeExport {
        let record = try await HRAPIController.record(of: employee, box: services.secretBox, on: db)
        let employeeID = try employee.requireID()
        let targets = try await Erasure.Targets.find([employeeID], installationID: employee.$installation.id, on: db)
        let store = DocumentStore(db: db, dataDirectory: services.config.dataDirectory)
        var documents: [DocumentContent] = []
        for document in try await Document.query(on: db).filter(\.$employee.$id == employeeID).sort(\.$createdAt).all() {
            documents.append(
                DocumentContent(
                    id: try document.requireID(), filename: document.filename, content_type: document.contentType, sha256: document.sha256,
                    content_base64: try await store.read(document).base64EncodedString()))
        }
        let installation = try await InstallationReference.of([employee.$installation.id], on: db)[employee.$installation.id]
        var requests: [Request] = []
        for request in try await ContractRequest.query(on: db).filter(\.$id ~~ targets.requests).sort(\.$createdAt).all() {
            let history = try await ContractRequestEvent.query(on: db).filter(\.$request.$id == request.requireID()).sort(\.$createdAt).all()
            requests.append(
                Request(
                    request: try ContractRequestJSON(
                        request, installation: installation, history: history, contractPage: services.config.oneflowContractPages),
                    input: JSONValue.parse(request.input)))
        }
        let notifications = try await OutboundNotification.query(on: db).filter(\.$orderingKey ~~ targets.notificationKeys)
            .sort(\.$createdAt).all().map { n in
                Notification(
                    id: try n.requireID(), type: n.type, reason: n.reason, status: n.status.rawValue, created_at: HRRecordsJSON.time(n.createdAt),
                    sent_at: HRRecordsJSON.time(n.sentAt), body: JSONValue.parse(n.body))
            }
        let deliveries =
            targets.oneflowContractIDs.isEmpty
            ? []
            : try await WebhookDelivery.query(on: db).filter(\.$installation.$id == employee.$installation.id)
                .filter(\.$oneflowContractID ~~ targets.oneflowContractIDs).sort(\.$receivedAt).all().map { d in
                    Delivery(
                        id: try d.requireID(), oneflow_contract_id: d.oneflowContractID, received_at: HRRecordsJSON.time(d.receivedAt),
                        event_types: d.eventTypes.split(separator: ",").map(String.init), status: d.status.rawValue,
                        outcome_reason: d.outcomeReason, payload: JSONValue.parse(d.payload))
                }
        return EmployeeExport(
            exported_at: HRRecordsJSON.time(services.clock.now), employee: record, documents: documents, contract_requests: requests,
            notifications: notifications, webhook_deliveries: deliveries)
    }
}

import Crypto
import Fluent
import Foundation
import OneflowAPI

/// Stores signed contract PDFs in the database — a `Document` row with size and SHA-256 and
/// its `DocumentContent`, committed together — so that any instance can serve them.
struct DocumentStore {
    let db: any Database
    let dataDirectory: String
    var outbox: Outbox? = nil

    /// Downloads and stores the contract's PDF once; later calls find it and do nothing.
    /// https://developer.oneflow.com/docs/download-a-contract-file
    @discardableResult
    func ensureSignedPDF(oneflow: any OneflowClient, credentials: OneflowCredentials, contract: EmploymentContract) async throws -> Document? {
        let contractID = try contract.requireID()
        guard let employeeID = contract.$employee.id else { return nil }
        if let existing = try await Document.query(on: db).filter(\.$contract.$id == contractID).first() { return existing }
        let files = try await oneflow.contractFiles(credentials, contractID: contract.oneflowContractID)
        guard let file = files.first(where: { $0.type == .contract }) else { return nil }
        let downloaded = try await oneflow.downloadFile(credentials, contractID: contract.oneflowContractID, fileID: file.id)

        let bytes = Data(downloaded.data)
        let document = Document(
            employeeID: employeeID, contractID: contractID, filename: "contract-\(contract.oneflowContractID).pdf",
            contentType: downloaded.contentType ?? "application/pdf", size: downloaded.data.count,
            sha256: SHA256.hash(data: downloaded.data).map { String(format: "%02x", $0) }.joined(), storagePath: Document.inDatabase)
        document.oneflowFileID = file.id
        // Two deliveries of one contract may download at once; the unique index on
        // documents(contract_id) keeps one row, and the other finds it. No installation lock:
        // it serialized every PDF of an installation behind its HR writes (bench/RESULTS.md).
        do {
            return try await db.transaction { tx in
                try await document.create(on: tx)
                try await DocumentContent(documentID: try document.requireID(), data: bytes).create(on: tx)
                try await outbox?.record(.document, .created, data: try HRRecordsJSON.Document(document), subjectID: document.id,
                                         employeeID: employeeID, installationID: contract.$installation.id, on: tx)
                return document
            }
        } catch {
            guard (error as? any DatabaseError)?.isConstraintFailure == true,
                  let existing = try await Document.query(on: db).filter(\.$contract.$id == contractID).first() else { throw error }
            return existing
        }
    }

    func read(_ document: Document) async throws -> Data {
        if let content = try await DocumentContent.query(on: db).filter(\.$document.$id == document.requireID()).first() {
            return content.data
        }
        // Stored on disk by a version before documents moved into the database.
        guard document.storagePath != Document.inDatabase,
              let data = FileManager.default.contents(atPath: dataDirectory + "/" + document.storagePath) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return data
    }
}

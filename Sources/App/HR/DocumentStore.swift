import Crypto
import Fluent
import Foundation
import OneflowAPI

/// Stores signed contract PDFs in the database — a `Document` row with size and SHA-256 and
/// its `DocumentContent`, committed together — so that any instance can serve them. The sync
/// pipeline downloads a PDF and stores it with the HR write, under the installation's lock;
/// the unique index on documents(contract_id) keeps one row whatever happens.
struct DocumentStore {
    let db: any Database
    let dataDirectory: String
    var outbox: Outbox? = nil

    /// A downloaded PDF not stored yet.
    struct Download: Sendable {
        var fileID: Int
        var contentType: String
        var bytes: Data
    }

    /// Fetches the contract's signed file from Oneflow (nil: it has none yet).
    /// https://developer.oneflow.com/docs/download-a-contract-file
    func download(oneflow: any OneflowClient, credentials: OneflowCredentials, oneflowContractID: Int) async throws -> Download? {
        let files = try await oneflow.contractFiles(credentials, contractID: oneflowContractID)
        guard let file = files.first(where: { $0.type == .contract }) else { return nil }
        let downloaded = try await oneflow.downloadFile(credentials, contractID: oneflowContractID, fileID: file.id)
        return Download(fileID: file.id, contentType: downloaded.contentType ?? "application/pdf", bytes: Data(downloaded.data))
    }

    /// Stores a download as the contract's PDF — the row, its bytes and its outbound
    /// notification — in the caller's transaction. Fails on the unique index when the
    /// contract has one already.
    func store(_ download: Download, for contract: EmploymentContract, on tx: any Database, now: Date) async throws -> Document? {
        try await store([(download, contract)], on: tx, now: now).first
    }

    /// Stores several contracts' PDFs: one INSERT for the rows, one for the bytes (`SQLInsertable`).
    func store(_ downloads: [(download: Download, contract: EmploymentContract)], on tx: any Database, now: Date) async throws -> [Document] {
        var documents: [Document] = []
        var contents: [DocumentContent] = []
        var installations: [UUID] = []
        for (download, contract) in downloads {
            guard let employeeID = contract.$employee.id else { continue }
            let document = Document(
                employeeID: employeeID, contractID: try contract.requireID(), filename: "contract-\(contract.oneflowContractID).pdf",
                contentType: download.contentType, size: download.bytes.count,
                sha256: SHA256.hash(data: download.bytes).lowercaseHex, storagePath: Document.inDatabase)
            document.oneflowFileID = download.fileID
            documents.append(document)
            contents.append(DocumentContent(documentID: try document.requireID(), data: download.bytes))
            installations.append(contract.$installation.id)
        }
        try await documents.insert(on: tx, now: now)
        try await contents.insert(on: tx, now: now)
        for (document, installationID) in zip(documents, installations) {
            try await outbox?.record(
                .document, .created, data: try HRRecordsJSON.Document(document), subjectID: document.id,
                employeeID: document.$employee.id, installationID: installationID, on: tx, now: now)
        }
        return documents
    }

    func read(_ document: Document) async throws -> Data {
        if let content = try await DocumentContent.query(on: db).filter(\.$document.$id == document.requireID()).first() {
            return content.data
        }
        // Stored on disk by a version before documents moved into the database.
        guard document.storagePath != Document.inDatabase,
            let data = FileManager.default.contents(atPath: dataDirectory + "/" + document.storagePath)
        else {
            throw CocoaError(.fileNoSuchFile)
        }
        return data
    }
}

import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// Signed PDFs: one row per contract, whoever downloads it (`DocumentStore`, `SyncPipeline`).
@Suite("Signed PDF storage")
struct DocumentStoreTests {
    @Test("several workers storing one contract's PDF at once keep one document, and all of them get it")
    func concurrentDownloads() async throws {
        try await withSyncFixture { f in
            // Given a signed contract whose PDF is not stored
            let id = try await f.signedContract()
            try await f.settle()
            try await DocumentContent.query(on: f.db).delete()
            try await Document.query(on: f.db).delete()
            // When four pipelines sync it at once (each downloads it: none sees a stored PDF)
            let pipeline = SyncPipeline(
                db: f.db, writer: f.r.app.services.storage.writer(on: f.db), services: f.r.app.services, logger: f.r.app.logger)
            let installation = f.installation
            let token = f.token
            let summaries = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await pipeline.sync(contractIDs: [id], of: installation, token: token)[0].summary }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            // Then one document is stored, and every run reports it
            let stored = try await Document.query(on: f.db).all()
            #expect(stored.count == 1)
            #expect(try await DocumentContent.query(on: f.db).count() == 1)
            let size = try #require(stored.first?.size)
            #expect(summaries.allSatisfy { $0.hasSuffix(", signed PDF \(size) bytes") })
            let bytes = try await DocumentStore(db: f.db, dataDirectory: f.r.app.services.config.dataDirectory).read(try #require(stored.first))
            #expect(bytes.starts(with: Data("%PDF-".utf8)))
        }
    }

    @Test("a second document row for one contract is refused by the database")
    func uniquePerContract() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            try await f.settle()
            let existing = try #require(try await Document.query(on: f.db).first())
            let contract = try #require(try await f.contractRow(id))
            let copy = Document(
                employeeID: try #require(contract.$employee.id), contractID: try contract.requireID(), filename: "copy.pdf",
                contentType: "application/pdf", size: existing.size, sha256: existing.sha256, storagePath: Document.inDatabase)
            await #expect(throws: (any Error).self) { try await copy.create(on: f.db) }
            #expect(try await Document.query(on: f.db).count() == 1)
        }
    }
}

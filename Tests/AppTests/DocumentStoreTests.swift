import Fluent
import Foundation
import OneflowAPI
import Testing

@testable import App

/// Signed PDFs: one row per contract, whoever downloads it, without a lock (`DocumentStore`).
@Suite("Signed PDF storage")
struct DocumentStoreTests {
    @Test("several workers storing one contract's PDF at once keep one document, and all of them get it")
    func concurrentDownloads() async throws {
        try await withSyncFixture { f in
            let id = try await f.signedContract()
            try await f.settle()
            let contract = try #require(try await f.contractRow(id))
            // Start again from no document, then download it from four places at once.
            try await DocumentContent.query(on: f.db).delete()
            try await Document.query(on: f.db).delete()
            let store = DocumentStore(db: f.db, dataDirectory: f.r.app.services.config.dataDirectory)
            let oneflow = f.r.app.services.oneflow
            let ids = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await store.ensureSignedPDF(oneflow: oneflow, credentials: f.credentials, contract: contract, clock: SystemClock())?.id
                    }
                }
                return try await group.reduce(into: [UUID?]()) { $0.append($1) }
            }
            let stored = try await Document.query(on: f.db).all()
            #expect(stored.count == 1)
            #expect(try await DocumentContent.query(on: f.db).count() == 1)
            #expect(Set(ids) == [stored.first?.id])
            let bytes = try await store.read(try #require(stored.first))
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

import Foundation
import OneflowAPI
import Testing

@testable import App

/// What becomes of a contract, from what Oneflow answered and what is stored (`SyncDecision`):
/// a pure function, tested here without a database, a network or a clock.
@Suite("Sync decision")
struct SyncDecisionTests {
    static let ours = 501
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func contract(_ state: ContractState, templateType: Int? = ours) -> Contract {
        Contract(id: 77, state: state, privateOwnerside: .init(templateTypeID: templateType))
    }

    static func oneflow(_ status: Int?, kind: OneflowError.Kind = .api) -> OneflowError {
        OneflowError(kind: kind, endpoint: "GET /contracts/77", status: status, detail: "test")
    }

    static func decide(
        _ answer: Result<Contract, any Error>?, stored: SyncDecision.Stored? = nil,
        download: Result<DocumentStore.Download?, any Error>? = nil
    ) -> SyncDecision {
        SyncDecision.decide(
            .init(contractID: 77, ourTemplateType: ours, answer: answer, download: download, stored: stored), mapping: FieldMapping(targets: [:]),
            now: now)
    }

    static let pdf = DocumentStore.Download(fileID: 9, contentType: "application/pdf", bytes: Data("%PDF-1.7".utf8))

    @Test("nothing fetched (the installation is disconnected): ignored")
    func disconnected() {
        // Given no answer, when deciding, then the contract is ignored with the reason
        guard case .ignore(let reason) = Self.decide(nil) else {
            Issue.record("not ignored")
            return
        }
        #expect(reason == "installation is disconnected")
    }

    @Test("a contract of another template group, or of none: ignored, naming both groups")
    func notOurs() {
        for theirs in [7, nil] as [Int?] {
            // Given a contract of another group
            let decision = Self.decide(.success(Self.contract(.pending, templateType: theirs)))
            // Then it is ignored, and the reason says whose it is
            guard case .ignore(let reason) = decision else {
                Issue.record("not ignored")
                continue
            }
            #expect(reason == "contract belongs to template group \(theirs.map(String.init) ?? "unknown"), not ours (501)")
        }
    }

    @Test("a pending contract of ours is applied, with no PDF")
    func pending() {
        guard case .apply(let mapped, let pdf) = Self.decide(.success(Self.contract(.pending))) else {
            Issue.record("not applied")
            return
        }
        #expect(mapped.status == "pending" && mapped.oneflowContractID == 77)
        guard case .notSigned = pdf else {
            Issue.record("a PDF for an unsigned contract")
            return
        }
    }

    @Test("a signed contract: its PDF stored already, downloaded now, not there yet, or failed to download")
    func signedPDF() {
        let signed = Result<Contract, any Error>.success(Self.contract(.signed))
        // Stored: not downloaded again, its size kept
        if case .apply(_, .stored(let size)) = Self.decide(signed, stored: .init(pdfSize: 1234)) {
            #expect(size == 1234)
        } else {
            Issue.record("stored PDF not recognised")
        }
        // Downloaded: stored with the write
        if case .apply(_, .download(let download)) = Self.decide(signed, download: .success(Self.pdf)) {
            #expect(download.fileID == 9)
        } else {
            Issue.record("download not kept")
        }
        // Oneflow has no file yet
        guard case .apply(_, .none) = Self.decide(signed, download: .success(nil)) else {
            Issue.record("no file: \(Self.decide(signed))")
            return
        }
        // The download failed: the HR write still happens; the failure follows it
        guard case .apply(_, .failed(let failure)) = Self.decide(signed, download: .failure(Self.oneflow(503))) else {
            Issue.record("failed download not kept")
            return
        }
        #expect(failure.consequence == .retry)
    }

    @Test("not found in Oneflow: marked deleted when we have it, ignored when we do not")
    func notFound() {
        guard case .markDeleted = Self.decide(.failure(Self.oneflow(404)), stored: .init(pdfSize: nil)) else {
            Issue.record("a stored contract not marked deleted")
            return
        }
        guard case .ignore(let reason) = Self.decide(.failure(Self.oneflow(404))) else {
            Issue.record("not ignored")
            return
        }
        #expect(reason == "contract 77 not found in Oneflow and unknown here")
    }

    @Test("Oneflow's failures: 5xx, 429 and the network retry (429 not before a minute); 401 disconnects; other 4xx and unreadable answers are dead")
    func failures() {
        func consequence(_ error: any Error) -> SyncFailure? {
            if case .fail(let failure) = Self.decide(.failure(error)) { return failure }
            return nil
        }
        #expect(consequence(Self.oneflow(503))?.consequence == .retry)
        #expect(consequence(Self.oneflow(nil, kind: .transport))?.consequence == .retry)
        #expect(consequence(Self.oneflow(429)).map { ($0.consequence, $0.notBefore) }.map { $0 == (.retry, 60) } == true)
        #expect(consequence(Self.oneflow(401))?.consequence == .disconnect)
        #expect(consequence(Self.oneflow(403))?.consequence == .dead)
        #expect(consequence(Self.oneflow(nil, kind: .decoding))?.consequence == .dead)
        #expect(consequence(DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bad")))?.consequence == .dead)
        // Anything else (a database hiccup) may pass
        struct Hiccup: Error {}
        #expect(consequence(Hiccup())?.consequence == .retry)
        #expect(consequence(Self.oneflow(503))?.message.contains("503") == true)
    }

    @Test("only a signed contract of ours without a stored PDF is downloaded")
    func needsPDF() {
        #expect(SyncDecision.needsPDF(Self.contract(.signed), ourTemplateType: Self.ours, stored: nil))
        #expect(SyncDecision.needsPDF(Self.contract(.signed), ourTemplateType: Self.ours, stored: .init(pdfSize: nil)))
        #expect(!SyncDecision.needsPDF(Self.contract(.signed), ourTemplateType: Self.ours, stored: .init(pdfSize: 10)))
        #expect(!SyncDecision.needsPDF(Self.contract(.pending), ourTemplateType: Self.ours, stored: nil))
        #expect(!SyncDecision.needsPDF(Self.contract(.signed, templateType: 7), ourTemplateType: Self.ours, stored: nil))
        #expect(!SyncDecision.needsPDF(Self.contract(.signed), ourTemplateType: nil, stored: nil))
    }
}

/// What the write makes of a decision once the HR write's outcome is known (`SyncItem`): pure as well.
@Suite("Sync decision, after the HR write")
struct SyncItemOutcomeTests {
    static func item(_ pdf: SyncDecision.PDF) -> SyncItem {
        var item = SyncItem(
            installation: Installation(oneflowAccountID: 1, accountName: "Acme", webhookKey: "k"), installationID: UUID(), contractID: 77,
            source: .init(name: "webhook", deliveryID: nil, eventTypes: ["contract:sign", "contract:new_kind"]))
        let mapped = ContractMapper.map(SyncDecisionTests.contract(.signed), mapping: FieldMapping(targets: [:]), now: SyncDecisionTests.now)
        item.decision = .apply(mapped, pdf: pdf)
        item.answer = .success(SyncDecisionTests.contract(.signed))
        return item
    }

    static func outcome(_ kind: HRRecordWriter.Outcome.Kind) -> HRRecordWriter.Outcome {
        .init(
            kind: kind, contractID: UUID(), employeeID: UUID(),
            contract: EmploymentContract(installationID: UUID(), oneflowContractID: 77, status: "signed"))
    }

    @Test("a downloaded PDF is stored with a fresh write, and named in the summary")
    func storedWithTheWrite() {
        // Given a downloaded PDF, when the HR write created the contract
        var item = Self.item(.download(SyncDecisionTests.pdf))
        item.applied(Self.outcome(.created))
        // Then the PDF goes with the write and the summary says so
        #expect(item.pdfToStore?.download.fileID == 9)
        #expect(item.status == .processed && item.summary == "signed: created, signed PDF 8 bytes")
        #expect(item.failure == nil && !item.disconnects)
    }

    @Test("a stale fetch stores no PDF and does not fail for its download; a rejected token still disconnects")
    func staleFetch() {
        var downloaded = Self.item(.download(SyncDecisionTests.pdf))
        downloaded.applied(Self.outcome(.stale))
        #expect(downloaded.pdfToStore == nil && downloaded.summary == "signed: stale")

        var rejected = Self.item(.failed(SyncFailure(SyncDecisionTests.oneflow(401))))
        rejected.applied(Self.outcome(.stale))
        #expect(rejected.failure == nil && rejected.disconnects)
    }

    @Test("a failed download fails the job after the HR write; a 401 also disconnects")
    func failedDownload() {
        var retried = Self.item(.failed(SyncFailure(SyncDecisionTests.oneflow(503))))
        retried.applied(Self.outcome(.updated))
        #expect(retried.failure?.consequence == .retry && !retried.disconnects)

        var rejected = Self.item(.failed(SyncFailure(SyncDecisionTests.oneflow(401))))
        rejected.applied(Self.outcome(.updated))
        #expect(rejected.failure?.consequence == .disconnect && rejected.disconnects)
    }

    @Test("unknown event types are noted on a fetched delivery only")
    func unknownEvents() {
        let fetched = Self.item(.notSigned)
        #expect(fetched.unknownEventsNote == " (unknown event types recorded: contract:new_kind)")
        var notFetched = fetched
        notFetched.answer = nil
        #expect(notFetched.unknownEventsNote == "")
    }
}

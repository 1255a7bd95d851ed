import Foundation
import OneflowAPI

/// What becomes of one contract, decided from what Oneflow answered and what is stored.
///
/// Pure: no database, no clock, no network. `SyncPipeline` gathers the input (load, fetch),
/// asks here, and writes what comes back. Decisions come from the fetched contract, never
/// from the notification body, which the signature does not cover
/// (https://developer.oneflow.com/docs/webhook-and-event).
enum SyncDecision: Sendable {
    /// Not for the HR records: another template group's contract, a disconnected
    /// installation, a contract neither Oneflow nor we know.
    case ignore(String)
    /// Write the HR records, and the signed PDF as `pdf` says.
    case apply(MappedContract, pdf: PDF)
    /// Oneflow no longer has a contract we have: mark it deleted (its history stays).
    case markDeleted
    /// Nothing to write: the job fails (`SyncFailure` says whether it is tried again).
    case fail(SyncFailure)

    /// What happens to a signed contract's PDF.
    enum PDF: Sendable {
        /// Not signed: no PDF to keep.
        case notSigned
        /// Stored already (its size): not downloaded again.
        case stored(size: Int)
        /// Downloaded: stored with the HR write.
        case download(DocumentStore.Download)
        /// Oneflow has no signed file yet.
        case none
        /// The download failed: the HR write happens all the same, then the job fails.
        case failed(SyncFailure)
    }

    /// What the load phase found of a contract here: that it is known, and its stored PDF's size.
    struct Stored: Sendable, Equatable {
        var pdfSize: Int?
    }

    /// Everything a decision depends on.
    struct Input: Sendable {
        var contractID: Int
        /// Our template group in this customer's account.
        var ourTemplateType: Int?
        /// The fetch's answer (nil: not fetched: the installation is disconnected or has no token).
        var answer: Result<Contract, any Error>?
        /// The signed PDF's download, when one was made.
        var download: Result<DocumentStore.Download?, any Error>?
        /// The contract as stored here (nil: unknown here).
        var stored: Stored?
        /// Its employee was erased here: it must not bring them back.
        var erased = false
    }

    static func decide(_ input: Input, mapping: FieldMapping, now: Date) -> SyncDecision {
        if input.erased { return .ignore(erasedReason) }
        guard let answer = input.answer else { return .ignore("installation is disconnected") }
        let contract: Contract
        switch answer {
        case .success(let fetched): contract = fetched
        case .failure(let error as OneflowError) where error.isNotFound:
            // Deleted in Oneflow (or never visible to us).
            guard input.stored != nil else { return .ignore("contract \(input.contractID) not found in Oneflow and unknown here") }
            return .markDeleted
        case .failure(let error): return .fail(SyncFailure(error))
        }
        guard let ours = input.ourTemplateType, contract.templateTypeID == ours else {
            let theirs = contract.templateTypeID.map(String.init) ?? "unknown"
            return .ignore("contract belongs to template group \(theirs), not ours (\(input.ourTemplateType.map(String.init) ?? "none"))")
        }
        let mapped = ContractMapper.map(contract, mapping: mapping, now: now)
        guard mapped.status == ContractState.signed.rawValue else { return .apply(mapped, pdf: .notSigned) }
        if let size = input.stored?.pdfSize { return .apply(mapped, pdf: .stored(size: size)) }
        switch input.download {
        case .success(let download?): return .apply(mapped, pdf: .download(download))
        case .success(nil), nil: return .apply(mapped, pdf: .none)
        case .failure(let error): return .apply(mapped, pdf: .failed(SyncFailure(error)))
        }
    }

    /// Why a notification of an erased employee's contract is ignored (the delivery says so).
    static let erasedReason = "erased: the employee of this contract was erased here"

    /// Whether the fetch phase downloads the contract's signed PDF: a signed contract of ours
    /// whose PDF is not stored yet.
    static func needsPDF(_ contract: Contract, ourTemplateType: Int?, stored: Stored?) -> Bool {
        contract.state == .signed && ourTemplateType != nil && contract.templateTypeID == ourTemplateType && stored?.pdfSize == nil
    }
}

/// Why a job failed, and what follows: another attempt later, none, or none and the
/// installation disconnected (Oneflow rejected its token).
struct SyncFailure: Error, Sendable, CustomStringConvertible {
    enum Consequence: Sendable, Equatable { case retry, dead, disconnect }

    var consequence: Consequence
    /// Safe to show and log: Oneflow's error as our client describes it, or the error's type and text.
    var message: String
    /// The earliest retry (Oneflow's 429: the per-token window is minutes, not seconds).
    var notBefore: TimeInterval = 0
    /// False for Oneflow's 429: tried again after `notBefore` without using up an attempt.
    var countsAttempt = true

    var description: String { message }

    init(consequence: Consequence, message: String, notBefore: TimeInterval = 0) {
        self.consequence = consequence
        self.message = message
        self.notBefore = notBefore
    }

    /// Oneflow's 4xx (other than 429) will not fix itself; a 401 means the token was revoked
    /// (typically the extension was disabled); everything else may pass (5xx, 429, time-outs,
    /// a database hiccup). An answer we cannot read will not.
    /// https://developer.oneflow.com/docs/handling-errors-with-error-codes
    init(_ error: any Error) {
        if let failure = error as? SyncFailure {
            self = failure
            return
        }
        let oneflow = error as? OneflowError
        message = oneflow.map(\.description) ?? String(describing: error)
        if oneflow?.isUnauthorized == true {
            consequence = .disconnect
        } else {
            consequence = (oneflow?.isRetryable ?? !(error is DecodingError)) ? .retry : .dead
        }
        notBefore = oneflow?.isRateLimited == true ? 60 : 0
        countsAttempt = oneflow?.isRateLimited != true
    }
}

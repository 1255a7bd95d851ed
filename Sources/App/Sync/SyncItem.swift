import Foundation
import OneflowAPI

/// One contract on its way through `SyncPipeline`, and what each phase learnt of it.
struct SyncItem: Sendable {
    /// The deliveries' jobs that asked for it, the oldest delivery's first: its fetch answers
    /// the rest. Empty for reconciliation.
    var jobs: [Job] = []
    /// The lead delivery (nil: reconciliation).
    var delivery: WebhookDelivery?
    var installation: Installation
    let installationID: UUID
    var contractID: Int
    var source: HRRecordWriter.Source
    /// nil: the installation is disconnected or has no usable token; nothing is fetched.
    var credentials: OneflowCredentials?

    // Load
    /// Queued deliveries of the contract, read before the fetch (`CoveredDeliveries`).
    var others: [UUID] = []
    /// What is stored of the contract (nil: unknown here).
    var stored: SyncDecision.Stored?
    /// Its employee was erased (`ErasedContract`): not fetched, ignored.
    var erased = false
    /// Where its data fields go: the installation's `FieldSet`, as read at the load.
    var mapping = FieldMapping(targets: [:])

    // Fetch
    var answer: Result<Contract, any Error>?
    var download: Result<DocumentStore.Download?, any Error>?

    // Decide
    var decision: SyncDecision = .ignore("not decided")

    // Write
    /// What the delivery records: processed or ignored, and why.
    var status: WebhookDelivery.Status = .ignored
    var summary = ""
    /// The HR write's outcome, for contracts applied.
    var outcome: HRRecordWriter.Outcome?
    /// Why the job fails after (or instead of) the write.
    var failure: SyncFailure?
    /// What the failed lead delivery became: failed (tried again) or dead.
    var failedStatus: WebhookDelivery.Status?
    /// Oneflow rejected the token (401): the installation is marked disconnected with the write.
    var disconnects = false
    /// Deliveries this one answered (`CoveredDeliveries`).
    var settled: [UUID] = []

    /// The decision's input: everything it depends on.
    var decisionInput: SyncDecision.Input {
        .init(
            contractID: contractID, ourTemplateType: installation.templateTypeID, answer: answer,
            download: download, stored: stored, erased: erased)
    }

    /// Whether the write takes its installation's lock: it writes HR records, or may (a
    /// contract Oneflow does not have, decided again under the lock).
    var locksInstallation: Bool {
        switch decision {
        case .apply, .markDeleted: true
        case .ignore, .fail: isNotFound
        }
    }

    /// Oneflow answered 404.
    var isNotFound: Bool {
        if case .failure(let error as OneflowError) = answer { return error.isNotFound }
        return false
    }
}

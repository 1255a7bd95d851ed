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
    /// Deliveries this one answered (`CoveredDeliveries`).
    var settled: [UUID] = []

    /// The decision's input: everything it depends on.
    var decisionInput: SyncDecision.Input {
        .init(
            contractID: contractID, ourTemplateType: installation.templateTypeID, answer: answer,
            download: download, stored: stored)
    }

    /// Whether this item writes HR records (and so takes its installation's lock).
    var writesHRRecords: Bool {
        switch decision {
        case .apply, .markDeleted: true
        case .ignore, .fail: false
        }
    }
}

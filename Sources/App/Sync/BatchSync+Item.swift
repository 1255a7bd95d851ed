import Foundation
import OneflowAPI

/// What `BatchSync` keeps for each contract of a batch as it goes through the phases.
extension BatchSync {
    /// One contract's jobs in the batch. The oldest delivery leads: its fetch answers the rest.
    struct Item: Sendable {
        var jobs: [Job]
        var delivery: WebhookDelivery
        var credentials: OneflowCredentials
        /// Queued deliveries of the contract, read before the fetch (`CoveredDeliveries`).
        var others: [UUID] = []
        var contract: Contract?
        var mapped: MappedContract?
        var status: WebhookDelivery.Status = .processed
        var summary = ""
        var download: DocumentStore.Download?
        /// The PDF is stored already: its size.
        var storedPDF: Int?
        var failure: (any Error)?

        var installationID: UUID { delivery.$installation.id }
        var contractID: Int { delivery.oneflowContractID }
        var signed: Bool { mapped?.status == ContractState.signed.rawValue }
        var source: HRRecordWriter.Source {
            HRRecordWriter.Source(name: "webhook", deliveryID: delivery.id, eventTypes: delivery.eventTypes.split(separator: ",").map(String.init))
        }
        var prefetched: ContractSync.Prefetched? { contract.map { .init(contract: .success($0), others: others) } }
        var outcome: HRRecordWriter.Outcome?
        /// Deliveries this one answered (`CoveredDeliveries`).
        var settled: [UUID] = []
        /// A new PDF to store with the HR write.
        var storesPDF = false

        /// Takes the fetched contract: ours, mapped, or another template group's, ignored.
        mutating func fetched(_ contract: Contract, mapping: [String: HRField], at now: Date) {
            self.contract = contract
            if let ours = delivery.installation.templateTypeID, contract.templateTypeID == ours {
                mapped = ContractMapper.map(contract, mapping: mapping, now: now)
            } else {
                status = .ignored
                summary = ContractSync.notOurs(contract, delivery.installation)
            }
        }

        /// Takes the HR write's outcome: the summary, and what happens to the PDF.
        mutating func written(_ outcome: HRRecordWriter.Outcome) {
            self.outcome = outcome
            summary = "\(mapped?.status ?? ""): \(outcome.kind.rawValue)"
            guard outcome.kind != .stale else {
                failure = nil  // ContractSync would not have downloaded it at all
                return
            }
            guard signed, outcome.contract != nil else { return }
            if let size = storedPDF {
                summary += ", signed PDF \(size) bytes"
                failure = nil  // another worker stored it meanwhile: this download is not needed
            } else if let download {
                summary += ", signed PDF \(download.bytes.count) bytes"
                storesPDF = true
            }
        }
    }

    /// Runs `body` for every item at once. - Returns: each result, by position.
    func concurrently<T: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) async throws -> T) async -> [Result<T, any Error>] {
        await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
            for (i, item) in items.enumerated() {
                group.addTask {
                    do { return (i, .success(try await body(item))) } catch { return (i, .failure(error)) }
                }
            }
            var results = [Result<T, any Error>?](repeating: nil, count: items.count)
            for await (i, result) in group { results[i] = result }
            return results.map { $0! }
        }
    }
}

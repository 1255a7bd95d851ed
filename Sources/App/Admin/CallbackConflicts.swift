import Fluent
import Foundation
import SQLKit

/// Deliveries whose `callback_id` the installation has for more than one contract.
///
/// Oneflow signs only the callback id, so a signature seen once signs a body naming any
/// contract; such a second body is stored and synced as a copy (`AddCallbackCopies`). An
/// admin sees both deliveries marked and, on each, the other contracts.
/// https://developer.oneflow.com/docs/webhook-and-event
struct CallbackConflicts {
    let db: any Database

    struct Key: Hashable {
        var installationID: UUID
        var callbackID: String
    }

    /// For each (installation, callback id) of `deliveries` stored for more than one contract,
    /// those contracts. A second contract is always stored as a copy, and copies are rare: the
    /// page's installations' copies come first, through their own small index
    /// (`AddCallbackCopyIndex`); only the callback ids among them are then looked up among the
    /// originals, through theirs. Looking every pair of the page up in one query read every
    /// delivery of the page's installations (no full index leads with (installation,
    /// callback id)): 67 ms on a year's database.
    func contracts(of deliveries: [WebhookDelivery]) async throws -> [Key: Set<Int>] {
        guard !deliveries.isEmpty else { return [:] }
        let sql = try db.sql()
        let keys = Set(deliveries.map { Key(installationID: $0.$installation.id, callbackID: $0.callbackID) })
        let copies = try await rows(
            sql.select().columns("installation_id", "callback_id", "oneflow_contract_id").from(WebhookDelivery.schema)
                .where(SQLRaw("callback_copy"))  // the partial index's own condition, as the planners match it
                .where("installation_id", .in, Set(keys.map(\.installationID)).sorted { $0.uuidString < $1.uuidString })
        ).filter { keys.contains($0.key) }
        guard !copies.isEmpty else { return [:] }
        let originals = try await rows(
            sql.select().columns("installation_id", "callback_id", "oneflow_contract_id").from(WebhookDelivery.schema)
                .where(SQLRaw("NOT callback_copy"))  // likewise
                .where("installation_id", .in, Set(copies.map(\.key.installationID)).sorted { $0.uuidString < $1.uuidString })
                .where("callback_id", .in, Set(copies.map(\.key.callbackID)).sorted())
        )
        var contracts: [Key: Set<Int>] = [:]
        for row in copies + originals { contracts[row.key, default: []].insert(row.contract) }
        return contracts.filter { $0.value.count > 1 }
    }

    private func rows(_ select: SQLSelectBuilder) async throws -> [(key: Key, contract: Int)] {
        try await select.all().map { row in
            (
                Key(
                    installationID: try row.decode(column: "installation_id", as: UUID.self),
                    callbackID: try row.decode(column: "callback_id", as: String.self)),
                try row.decode(column: "oneflow_contract_id", as: Int.self)
            )
        }
    }

    /// The contracts other than `delivery`'s that its callback id was stored for, in order.
    static func others(of delivery: WebhookDelivery, in contracts: [Key: Set<Int>]) -> [Int] {
        let key = Key(installationID: delivery.$installation.id, callbackID: delivery.callbackID)
        return (contracts[key] ?? []).subtracting([delivery.oneflowContractID]).sorted()
    }
}

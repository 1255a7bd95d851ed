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
    /// those contracts: one query for a whole page, by the (installation, callback id, contract) index.
    func contracts(of deliveries: [WebhookDelivery]) async throws -> [Key: Set<Int>] {
        guard !deliveries.isEmpty else { return [:] }
        let sql = try db.sql()
        let rows = try await sql.select().distinct().columns("installation_id", "callback_id", "oneflow_contract_id").from(WebhookDelivery.schema)
            .where("installation_id", .in, Set(deliveries.map(\.$installation.id)).sorted { $0.uuidString < $1.uuidString })
            .where("callback_id", .in, Set(deliveries.map(\.callbackID)).sorted())
            .all()
        var contracts: [Key: Set<Int>] = [:]
        for row in rows {
            let key = Key(
                installationID: try row.decode(column: "installation_id", as: UUID.self),
                callbackID: try row.decode(column: "callback_id", as: String.self))
            contracts[key, default: []].insert(try row.decode(column: "oneflow_contract_id", as: Int.self))
        }
        return contracts.filter { $0.value.count > 1 }
    }

    /// The contracts other than `delivery`'s that its callback id was stored for, in order.
    static func others(of delivery: WebhookDelivery, in contracts: [Key: Set<Int>]) -> [Int] {
        let key = Key(installationID: delivery.$installation.id, callbackID: delivery.callbackID)
        return (contracts[key] ?? []).subtracting([delivery.oneflowContractID]).sorted()
    }
}

import Fluent
import Foundation

/// A contract whose employee was erased (written by `Erasure.tombstone`): only its Oneflow id, so that a later notification of
/// it is ignored ("erased") instead of bringing the person back (`SyncDecision`). A new contract
/// for the same person is another id, and makes a new employee.
final class ErasedContract: Model, @unchecked Sendable {
    static let schema = "erased_contracts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "installation_id") var installation: Installation
    @Field(key: "oneflow_contract_id") var oneflowContractID: Int
    @Field(key: "erased_at") var erasedAt: Date

    init() {}
}

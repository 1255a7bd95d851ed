import Fluent
import Foundation
import Vapor

/// How the API and every notification name an installation: its id and its Oneflow account.
struct InstallationReference: Content, Equatable {
    var id: UUID
    var oneflow_account_id: Int
    var oneflow_account_name: String

    init(_ i: Installation) throws {
        (id, oneflow_account_id, oneflow_account_name) = (try i.requireID(), i.oneflowAccountID, i.accountName)
    }
}

extension InstallationReference {
    /// The installations named by `ids`, as the API names them (one query).
    static func of(_ ids: Set<UUID>, on db: any Database) async throws -> [UUID: InstallationReference] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await Installation.query(on: db).filter(\.$id ~~ Array(ids)).all()
        return Dictionary(try rows.map { (try $0.requireID(), try InstallationReference($0)) }, uniquingKeysWith: { first, _ in first })
    }
}

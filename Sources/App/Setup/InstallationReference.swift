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

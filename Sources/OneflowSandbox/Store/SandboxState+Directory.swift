import Foundation

/// A workspace: where contracts live and whose company details fill the owner side.
/// Workspaces are made in Oneflow's app only (https://developer.oneflow.com/docs/workspace);
/// in the sandbox, by the control API and the account page.
struct WorkspaceRecord: Codable, Sendable, Equatable {
    var id: Int
    var name: String
    var companyName: String
    var registrationNumber: String
    var countryCode: String
    var createdTime: Date
}

/// A user of an account. Admins may do everything in every workspace; other users only what
/// their workspace grants say (the `_permissions` a workspace shows for the acting user).
struct UserRecord: Codable, Sendable, Equatable {
    var id: Int
    var email: String
    var name: String
    var title: String?
    /// `admin` or `user`.
    var role: String
    var active: Bool
    var grants: [WorkspaceGrant]

    var isAdmin: Bool { role == "admin" }

    func grant(_ workspaceID: Int) -> WorkspaceGrant? {
        isAdmin ? WorkspaceGrant(workspaceID: workspaceID, canCreate: true) : grants.first { $0.workspaceID == workspaceID }
    }
}

struct WorkspaceGrant: Codable, Sendable, Equatable {
    var workspaceID: Int
    /// `_permissions["contract:create"]`.
    var canCreate: Bool
}

/// A template. It belongs to one workspace and at most one template type, and offers the
/// delivery channels, sign methods and two-step methods a participant may choose, each with the
/// participant attributes it needs. Templates are made in Oneflow's app only
/// (https://developer.oneflow.com/docs/template). Shape: shared/oneflow-contract-creation.md §3b.
struct TemplateRecord: Codable, Sendable, Equatable {
    var id: Int
    var accountID: Int
    var workspaceID: Int
    var templateTypeID: Int?
    var name: String
    var active: Bool
    var deliveryChannels: [OptionRecord]
    var signMethods: [OptionRecord]
    var twoStepMethods: [OptionRecord]
    var createdTime: Date
    var updatedTime: Date
}

struct OptionRecord: Codable, Sendable, Equatable {
    var name: String
    var preferred: Bool
    var requiredAttributes: [String]
}

/// The options and what each needs of a participant: email for email delivery, a phone for
/// SMS, an identification number for e-ID signing. https://support.oneflow.com/hc/en-se/articles/38757124562065
enum TemplateOptions {
    static let deliveryChannels: [String: [String]] = [
        "email": ["email"], "sms": ["phone_number"], "email_and_sms": ["email", "phone_number"], "same_device": [], "none": [],
    ]
    static let signMethods: [String: [String]] = [
        "standard_esign": [], "sms": ["phone_number"], "handwritten_signature": [], "swedish_bankid": ["identification_number"],
        "norwegian_bankid": ["identification_number"], "danish_nemid": ["identification_number"],
        "finnish_bankid": ["identification_number"], "eid_sign": ["identification_number"],
    ]
    static let twoStepMethods: [String: [String]] = ["none": [], "email": ["email"], "sms": ["phone_number"]]

    /// Options named `names` from `table`, the first preferred; nil when a name is unknown.
    static func options(_ names: [String], from table: [String: [String]]) -> [OptionRecord]? {
        var result: [OptionRecord] = []
        for (index, name) in names.enumerated() {
            guard let required = table[name] else { return nil }
            result.append(OptionRecord(name: name, preferred: index == 0, requiredAttributes: required))
        }
        return result
    }

    static let defaultDelivery = ["email", "sms", "none"]
    static let defaultSign = ["standard_esign", "sms", "swedish_bankid"]
    static let defaultTwoStep = ["none", "email", "sms"]
}

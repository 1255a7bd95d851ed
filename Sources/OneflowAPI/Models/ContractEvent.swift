import Foundation

/// An event in a contract's history (`GET /v1/contracts/{id}/events`) and the items of a
/// webhook notification's `events[]`. https://developer.oneflow.com/docs/contract-event
public struct ContractEvent: Codable, Sendable, Equatable {
    public var id: Int
    public var type: EventType
    public var createdTime: Date?

    public init(id: Int, type: EventType, createdTime: Date?) {
        self.id = id
        self.type = type
        self.createdTime = createdTime
    }

    enum CodingKeys: String, CodingKey {
        case id, type
        case createdTime = "created_time"
    }
}

/// `subject[:attribute]:verb`. The documented list keeps growing, so unknown types decode.
/// https://developer.oneflow.com/docs/webhook-type
public struct EventType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let contractPublish: Self = "contract:publish"
    public static let contractSign: Self = "contract:sign"
    public static let contractDecline: Self = "contract:decline"
    public static let contractDelete: Self = "contract:delete"
    public static let contractContentUpdate: Self = "contract:content_update"
    public static let contractSignatureReset: Self = "contract:signature_reset"
    public static let signingPeriodExpire: Self = "contract:signing_period_expire"
    public static let signingPeriodRevive: Self = "contract:signing_period_revive"
    public static let lifecycleStart: Self = "contract:lifecycle_state:start"
    public static let lifecycleEnd: Self = "contract:lifecycle_state:end"
    public static let lifecycleTerminate: Self = "contract:lifecycle_state:terminate"
    public static let lifecycleCancel: Self = "contract:lifecycle_state:cancel"
    public static let lifecycleNewPeriod: Self = "contract:lifecycle_state:new_period"
    public static let dataFieldUpdate: Self = "data_field:update"

    /// The types confirmed in Oneflow's documentation table plus `data_field:update`
    /// (a trigger in Oneflow's own Power Platform connector).
    public static let documented: [EventType] = [
        .contractContentUpdate, .contractDecline, .contractDelete, .lifecycleCancel, .lifecycleEnd,
        .lifecycleNewPeriod, .lifecycleStart, .lifecycleTerminate, .contractPublish, .contractSign,
        .contractSignatureReset, .signingPeriodExpire, .signingPeriodRevive, .dataFieldUpdate,
    ]
}

/// A file of a contract (`GET /v1/contracts/{id}/files`).
/// https://developer.oneflow.com/docs/download-a-contract-file
public struct ContractFile: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String?
    public var type: FileType?
    public var extensionName: String?

    public init(id: Int, name: String?, type: FileType?, extensionName: String? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.extensionName = extensionName
    }

    enum CodingKeys: String, CodingKey {
        case id, name, type
        case extensionName = "extension"
    }

    /// `contract` (the contract PDF, signed once the contract is), `attachment`, `verification`, …
    public struct FileType: OpenEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let contract: Self = "contract"
        public static let attachment: Self = "attachment"
        public static let verification: Self = "verification"
    }
}

/// Bytes of a downloaded file.
public struct DownloadedFile: Sendable, Equatable {
    public var data: [UInt8]
    public var contentType: String?
    public init(data: [UInt8], contentType: String?) {
        self.data = data
        self.contentType = contentType
    }
}

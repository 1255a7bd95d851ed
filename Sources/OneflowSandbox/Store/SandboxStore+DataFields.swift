import Foundation

/// How a contract's data field is addressed in a path: its numeric id, or `c::<custom_id>`
/// (the prefix Oneflow's own connector uses; a bare custom id is read as an id and not found).
/// https://developer.oneflow.com/docs/update-a-data-field-value, notes §5.
enum FieldReference: Sendable, Equatable {
    case id(Int)
    case customID(String)

    init?(path: String) {
        if path.hasPrefix("c::"), path.count > 3 {
            self = .customID(String(path.dropFirst(3)))
        } else if let id = Int(path) {
            self = .id(id)
        } else {
            return nil
        }
    }

    func matches(_ field: ContractFieldRecord) -> Bool {
        switch self {
        case .id(let id): field.id == id
        case .customID(let customID): field.customID == customID
        }
    }
}

/// One item of a data-field PUT: `{id?, _private_ownerside: {custom_id}?, value?}`. A missing
/// `value` leaves the field as it is; `null` or `""` clears it.
struct DataFieldUpdateBody: Decodable, Sendable {
    var id: Int?
    var customID: String?
    /// nil: unchanged; "" clears.
    var value: String?

    private enum Keys: String, CodingKey { case id, value, _private_ownerside }
    private enum OwnersideKeys: String, CodingKey { case custom_id }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        id = try c.decodeIfPresent(Int.self, forKey: .id)
        if c.contains(._private_ownerside), try !c.decodeNil(forKey: ._private_ownerside) {
            customID = try c.nestedContainer(keyedBy: OwnersideKeys.self, forKey: ._private_ownerside).decodeIfPresent(String.self, forKey: .custom_id)
        }
        if c.contains(.value) { value = try c.decodeNil(forKey: .value) ? "" : try c.decode(String.self, forKey: .value) }
    }

    init(id: Int? = nil, customID: String? = nil, value: String?) {
        (self.id, self.customID, self.value) = (id, customID, value)
    }

    /// What the item names, checked against the path's reference when there is one.
    func reference(at name: String, path: FieldReference?) throws(SandboxProblem) -> FieldReference {
        let named: [FieldReference] = [id.map(FieldReference.id), customID.map(FieldReference.customID)].compactMap { $0 }
        if let path {
            // "If the body's id or custom id does not match the path, the request errors."
            if let id, path != .id(id), case .id = path { throw .invalid("\(name).id", "Does not match the data field in the path.") }
            if let customID, path != .customID(customID), case .customID = path {
                throw .invalid("\(name)._private_ownerside.custom_id", "Does not match the data field in the path.")
            }
            return path
        }
        guard let first = named.first else { throw .invalid(name, "Needs id or _private_ownerside.custom_id.") }
        return first
    }
}

extension SandboxStore {
    /// `PUT /v1/contracts/{id}/data_fields[/{field}]` on a draft or pending contract: one
    /// `data_field:update`. With `byPath`, an unknown field is 404 like any unknown resource.
    func updateDataFields(accountID: Int, contractID: Int, _ updates: [(FieldReference, value: String?)],
                          byPath: Bool = false) throws(SandboxProblem) -> ContractRecord {
        try changeContract(accountID: accountID, id: contractID) { (c, time) throws(SandboxProblem) in
            guard ["draft", "pending"].contains(c.state) else {
                throw SandboxProblem(status: .conflict, detail: "Data fields of a \(c.state) contract cannot be changed.")
            }
            for (index, (reference, value)) in updates.enumerated() {
                guard let field = c.dataFields.firstIndex(where: reference.matches) else {
                    if byPath { throw .notFound("The data field") }
                    throw .invalid("data_fields[\(index)]", "No such data field in the contract.")
                }
                guard let value else { continue }
                guard value.count <= 1024 else { throw .invalid(byPath ? "value" : "data_fields[\(index)].value", "Must be at most 1024 characters.") }
                (c.dataFields[field].value, c.dataFields[field].updatedTime) = (value, time)
            }
            return ["data_field:update"]
        }
    }
}

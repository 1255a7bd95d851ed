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
            customID = try c.nestedContainer(keyedBy: OwnersideKeys.self, forKey: ._private_ownerside).decodeIfPresent(
                String.self, forKey: .custom_id)
        }
        if c.contains(.value) { value = try c.decodeNil(forKey: .value) ? "" : try c.decode(String.self, forKey: .value) }
    }

    init(id: Int? = nil, customID: String? = nil, value: String?) {
        (self.id, self.customID, self.value) = (id, customID, value)
    }

    /// The references the item names: its id and its custom id, when given.
    var named: [FieldReference] { [id.map(FieldReference.id), customID.map(FieldReference.customID)].compactMap { $0 } }
}

extension SandboxStore {
    /// `PUT /v1/contracts/{id}/data_fields[/{field}]` on a draft or pending contract: one
    /// `data_field:update` when a value was given. Each item names its field by id and/or custom
    /// id, or `path` names it; every name given must be the same field ("if the body's id or
    /// custom id does not match the path, the request errors"). An unknown field in the path is
    /// 404, like any unknown resource; in a list, 400 naming the item.
    func updateDataFields(
        accountID: Int, contractID: Int, _ items: [DataFieldUpdateBody],
        path: FieldReference? = nil
    ) throws(SandboxProblem) -> ContractRecord {
        try changeContract(accountID: accountID, id: contractID) { (c, time) throws(SandboxProblem) in
            guard ["draft", "pending"].contains(c.state) else {
                throw SandboxProblem(status: .conflict, detail: "Data fields of a \(c.state) contract cannot be changed.")
            }
            var changed = false
            for (index, item) in items.enumerated() {
                let name = path == nil ? "data_fields[\(index)]" : nil
                guard let reference = path ?? item.named.first else { throw .invalid(name ?? "id", "Needs id or _private_ownerside.custom_id.") }
                guard let field = c.dataFields.firstIndex(where: reference.matches) else {
                    if path != nil { throw .notFound("The data field") }
                    throw .invalid(name ?? "", "No such data field in the contract.")
                }
                for other in item.named where !other.matches(c.dataFields[field]) {
                    let key = if case .id = other { "id" } else { "_private_ownerside.custom_id" }
                    throw .invalid(
                        name.map { "\($0).\(key)" } ?? key, "Names another data field than \(path == nil ? "the item's other key" : "the path").")
                }
                guard let value = item.value else { continue }
                guard value.count <= 1024 else { throw .invalid(name.map { "\($0).value" } ?? "value", "Must be at most 1024 characters.") }
                (c.dataFields[field].value, c.dataFields[field].updatedTime, changed) = (value, time, true)
            }
            return changed ? ["data_field:update"] : []
        }
    }
}

import Foundation
import Vapor

/// Checks a new field set against the one it replaces; every problem at once, named by the
/// field an admin would correct (`fields[2].custom_id` …). Pure.
///
/// Oneflow documents only that a custom id is unique within its template group
/// (https://developer.oneflow.com/docs/data-field); the custom id also goes into paths as
/// `c::<custom_id>` (`shared/oneflow-contract-creation.md` §5). The character rule here is
/// ours and narrow on purpose — being wrong about it costs a rename, not a broken group.
enum FieldSetCheck {
    static let maxFields = 100

    static func check(_ input: FieldSetInput, replacing current: FieldSet) -> Result<FieldSet, FieldSetError> {
        var problems: [FieldProblem] = []
        func problem(_ field: String, _ message: String) { problems.append(FieldProblem(field: field, message: message)) }
        guard let items = input.fields, !items.isEmpty else {
            return .failure(.invalid([.init(field: "fields", message: "Required: the complete set of fields, in order.")]))
        }
        if items.filter({ $0.retired != true }).count > maxFields { problem("fields", "At most \(maxFields) fields in use (retired ones aside).") }
        // A custom HR field must not be where an unmapped field's value is kept (its custom id).
        let unmapped = Set(
            items.filter { $0.retired != true && ($0.maps_to ?? "").trimmingCharacters(in: .whitespaces).isEmpty }.compactMap(\.custom_id))

        var fields: [FieldSet.Field] = []
        var ids: [String: Int] = [:]
        var targets: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let at = "fields[\(i)]"
            let field = FieldSet.Field(typed: item)
            let (customID, name, mapsTo, retired) = (field.customID, field.name, field.mapsTo, field.retired)
            // The rule is for new ids: a configured field (`extension.data_fields`) may predate it.
            if current.field(customID) == nil, !isIdentifier(customID) {
                problem("\(at).custom_id", "Required: 1–64 characters, lowercase letters, digits and _, starting with a letter.")
            } else if customID == RequestCorrelation.customID {
                problem("\(at).custom_id", "\(customID) is HR Bridge's own field: it is always on the group and cannot be changed.")
            } else if let first = ids[customID] {
                problem("\(at).custom_id", "\(customID) is fields[\(first)] already: a custom id is unique in the template group.")
            } else {
                ids[customID] = i
            }
            if name.isEmpty || name.count > 100 { problem("\(at).name", "Required: 1–100 characters.") }
            if field.description.count > 1024 { problem("\(at).description", "At most 1024 characters.") }
            if field.placeholder.count > 1024 { problem("\(at).placeholder", "At most 1024 characters.") }
            if AppConfig.DataFieldSpec.ValueFormat(rawValue: item.format ?? "text") == nil {
                let known = AppConfig.DataFieldSpec.ValueFormat.allCases.map(\.rawValue).joined(separator: ", ")
                problem("\(at).format", "One of: \(known).")
            }
            if let target = mapsTo {
                if let problemText = targetProblem(target) {
                    problem("\(at).maps_to", problemText)
                } else if !retired, FieldMapping.isStandard(target) == false, unmapped.contains(target) {
                    problem("\(at).maps_to", "\(target) is where the unmapped field \(target) keeps its value: choose another name.")
                } else if !retired, let first = targets[target] {
                    problem("\(at).maps_to", "fields[\(first)] fills \(target) already: one HR field, one data field.")
                } else if !retired {
                    targets[target] = i
                }
            }
            if retired, item.required == true { problem("\(at).required", "A retired field is not written into contracts: it cannot be required.") }
            if !retired, item.required == true, mapsTo == nil {
                problem("\(at).required", "A required field must fill an HR field (maps_to): a contract request gives its values by HR field.")
            }
            fields.append(field)
        }
        // Retiring keeps a field; leaving it out would lose what contracts and templates hold.
        for old in current.fields where ids[old.customID] == nil {
            problem("fields", "\(old.customID) (\(old.name)) is missing: a field is never removed, only retired (\"retired\": true).")
        }
        guard problems.isEmpty else { return .failure(.invalid(problems)) }
        return .success(FieldSet(fields: fields, customized: true))
    }

    /// Lowercase letters, digits and `_`, 1–64, starting with a letter.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, (1...64).contains(text.count), ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Why `target` cannot be an HR field a data field fills; nil when it can.
    static func targetProblem(_ target: String) -> String? {
        if HRField(rawValue: target) != nil { return nil }
        guard isIdentifier(target) else {
            return "An HR field (\(HRField.allCases.map(\.rawValue).joined(separator: ", "))) or a custom HR field's name: "
                + "1–64 lowercase letters, digits and _, starting with a letter."
        }
        if reserved.contains(target) { return "\(target) is the employee's own (the contract's signer): it is not a data field's." }
        return nil
    }

    /// Employee attributes that come from the signer, not from data fields.
    static let reserved: Set<String> = ["name", "email", "phone", "personal_number", "title", "id", "employee_id"]
}

/// Why a field set cannot be read or saved.
enum FieldSetError: ExplainedError, Equatable {
    case invalid([FieldProblem])
    /// The body is not a set of fields (why, as the decoder says it: no values).
    case unreadable(String)
    /// Another save came first: the set was read again, nothing of this one kept.
    case changedMeanwhile
    case notConnected
    case oneflowUnavailable(String)

    var status: HTTPResponseStatus {
        switch self {
        case .invalid, .unreadable: .unprocessableEntity
        case .notConnected, .changedMeanwhile: .conflict
        case .oneflowUnavailable: .badGateway
        }
    }

    var reason: String {
        switch self {
        case .invalid(let problems): problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        case .unreadable(let why): "fields: Required: a list of fields, each an object (\(why))."
        case .changedMeanwhile: "The fields were saved by someone else meanwhile: look at them again, then save."
        case .notConnected:
            "The installation is not connected to Oneflow (disconnected, or its setup did not finish): its fields cannot be provisioned."
        case .oneflowUnavailable(let why): "Oneflow could not be asked: \(why)"
        }
    }

    var problems: [FieldProblem] {
        switch self {
        case .invalid(let problems): return problems
        case .unreadable(let why): return [FieldProblem(field: "fields", message: "Required: a list of fields, each an object (\(why)).")]
        default: return []
        }
    }
}

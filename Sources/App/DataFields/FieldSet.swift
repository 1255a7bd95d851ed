import Foundation
import OneflowAPI

/// An installation's data fields and where each maps (issue #29): the configured set
/// (`extension.data_fields`, `mapping`) until the customer's admin changes it, then the set it
/// saved (`InstallationDataField`), kept whole.
///
/// A retired field stays on the template group — Oneflow's PUT would delete it from every
/// template using it (https://developer.oneflow.com/docs/manage-template-type-data-fields) —
/// but is no longer read from contracts nor written into new ones.
struct FieldSet: Sendable, Equatable {
    struct Field: Sendable, Equatable {
        var customID: String
        var name: String
        var description: String
        var placeholder: String
        /// The HR field it fills and is filled from: an `HRField` raw value, or the name of a
        /// custom HR field (kept in the employee's `custom_fields`). nil: unmapped, its value
        /// kept under its custom id in `custom_fields`, as before.
        var mapsTo: String?
        var required: Bool
        var format: AppConfig.DataFieldSpec.ValueFormat
        var retired: Bool

        /// As `DataFieldPlan`, `ContractRequestCheck` and the pages read a field.
        var spec: AppConfig.DataFieldSpec {
            AppConfig.DataFieldSpec(
                customID: customID, name: name, description: description, placeholder: placeholder, required: required && !retired,
                format: format)
        }
    }

    /// In the order the customer sees them; retired ones too.
    var fields: [Field]
    /// False while the installation has the configured set.
    var customized: Bool

    /// The configured set, for an installation whose admin has not changed it.
    static func configured(_ config: AppConfig) -> FieldSet {
        let fields = config.extensionSettings.dataFields.map { spec in
            Field(
                customID: spec.customID, name: spec.name, description: spec.description, placeholder: spec.placeholder,
                mapsTo: config.mapping[spec.customID]?.rawValue, required: spec.required, format: spec.format, retired: false)
        }
        return FieldSet(fields: fields, customized: false)
    }

    /// The fields in use: provisioned, read from contracts, written into new ones.
    var active: [Field] { fields.filter { !$0.retired } }

    /// The active fields as specs, in order.
    var specs: [AppConfig.DataFieldSpec] { active.map(\.spec) }

    /// What a save PUTs as ours (`DataFieldPlan`): the active fields, and the retired ones the
    /// group has — with their names as saved, so a retired field renamed here is renamed there
    /// too; one never on the group is not made there.
    func provisioned(onGroup: Set<String>) -> [AppConfig.DataFieldSpec] {
        fields.filter { !$0.retired || onGroup.contains($0.customID) }.map(\.spec)
    }

    /// The complete set to PUT on a group that has `existing` (`DataFieldPlan`): ours (with the
    /// correlation field), then every other field already there. Setup, a save and the
    /// correlation field's repair all PUT this.
    func plan(existing: [DataField]) -> [DataFieldInput] {
        DataFieldPlan.complete(
            configured: RequestCorrelation.provisioned(provisioned(onGroup: Set(existing.compactMap(\.customID)))), existing: existing)
    }

    var mapping: FieldMapping {
        FieldMapping(
            targets: Dictionary(active.compactMap { f in f.mapsTo.map { (f.customID, $0) } }, uniquingKeysWith: { first, _ in first }),
            retired: Set(fields.filter(\.retired).map(\.customID)))
    }

    func field(_ customID: String) -> Field? { fields.first { $0.customID == customID } }

    /// The active field that fills HR field `key`.
    func field(mappedTo key: String) -> Field? { active.first { $0.mapsTo == key } }
}

/// Where a contract's data fields go on the HR record, and back (`FieldSet.mapping`).
struct FieldMapping: Sendable, Equatable {
    /// custom id → HR field key: an `HRField` raw value or a custom HR field's name.
    var targets: [String: String]
    /// Retired fields: neither read nor written.
    var retired: Set<String> = []

    /// The HR field keys some data field fills.
    var hrKeys: Set<String> { Set(targets.values) }

    /// Whether `key` is one of the employee's standard fields (else a custom one).
    static func isStandard(_ key: String) -> Bool { HRField(rawValue: key) != nil }
}

import OneflowAPI

/// The data-field set to PUT on our template group.
///
/// Oneflow's PUT replaces the whole set and deletes every field it does not list — from the
/// template group *and from every template using it*
/// (https://developer.oneflow.com/docs/manage-template-type-data-fields). So the set we send
/// is always complete: our configured fields (names from config, current values kept), then
/// every other field already on the group, unchanged.
enum DataFieldPlan {
    static func complete(configured: [AppConfig.DataFieldSpec], existing: [DataField]) -> [DataFieldInput] {
        let ours = configured.map { spec -> DataFieldInput in
            let current = existing.first { $0.customID == spec.customID }
            return DataFieldInput(
                id: current?.id, customID: spec.customID, name: spec.name, description: spec.description,
                placeholder: spec.placeholder, value: current?.value ?? "")
        }
        let configuredIDs = Set(configured.map(\.customID))
        let others = existing.filter { field in field.customID.map { !configuredIDs.contains($0) } ?? true }
        return ours + others.map(DataFieldInput.init(keeping:))
    }

    /// Whether the group already has exactly this set, so the PUT can be skipped.
    static func isSatisfied(_ planned: [DataFieldInput], by existing: [DataField]) -> Bool {
        guard planned.count == existing.count else { return false }
        return planned.allSatisfy { want in
            existing.contains { have in
                (want.customID != nil ? have.customID == want.customID : have.id == want.id)
                    && (have.name ?? "") == want.name && (have.description ?? "") == want.description
                    && (have.placeholder ?? "") == want.placeholder
            }
        }
    }
}

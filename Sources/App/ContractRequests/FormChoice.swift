import OneflowAPI

/// One choice of a form's `<select>` about sending a contract (the admin's "New contract",
/// the "Sending contracts" step): a template, a delivery channel, a sign method …
struct FormChoice: Encodable, Equatable {
    var value: String
    var label: String
    var selected: Bool

    /// The offered templates ("Name — workspace"), `chosen` (else the first) selected.
    static func templates(_ offers: [SendingCatalog.Offer], chosen: Int?) -> [FormChoice] {
        let selected = offers.first { $0.template.id == chosen }?.template.id ?? offers.first?.template.id
        return offers.map {
            FormChoice(
                value: String($0.template.id),
                label: "\($0.template.name ?? "Template \($0.template.id)") — \($0.workspaceName ?? "workspace \($0.workspaceID)")",
                selected: $0.template.id == selected)
        }
    }

    /// A template's options: `picked` selected when given, else the preferred one; with what
    /// each needs of the signer when `needs`.
    static func options(_ list: [AvailableOptions.Option], picked: String?, needs: Bool) -> [FormChoice] {
        let selected = picked?.nonEmpty ?? (list.first { $0.preferred == true } ?? list.first)?.name
        return list.map { option in
            let wants = needs ? SendingCatalogJSON.option(option).needs : []
            return FormChoice(
                value: option.name,
                label: option.name.replacingOccurrences(of: "_", with: " ") + (wants.isEmpty ? "" : " (needs \(wants.joined(separator: ", ")))"),
                selected: option.name == selected)
        }
    }
}

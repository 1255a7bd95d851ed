/// Parameters of `GET /v1/templates`. https://developer.oneflow.com/docs/get-templates-1
///
/// Oneflow answers with an error when no template has the given `extension_type`.
public struct TemplateQuery: Sendable, Equatable {
    public var offset: Int
    public var limit: Int
    /// `sort=name`.
    public var sortByName: Bool
    public var templateTypeID: Int?
    public var extensionType: String?
    /// `filter[workspace_ids]=1,2`: the templates of these workspaces only. A contract must
    /// use a template of its own workspace.
    public var workspaceIDs: [Int]
    public var active: ActiveFilter

    /// `filter[active]`. Oneflow's default, with the parameter absent, is active templates only.
    public enum ActiveFilter: Sendable, Equatable {
        /// Sends nothing.
        case activeOnly
        /// `filter[active]=false`.
        case inactiveOnly
        /// `filter[active]=` (empty): both.
        case all
    }

    public init(
        offset: Int = 0, limit: Int = 100, sortByName: Bool = false, templateTypeID: Int? = nil,
        extensionType: String? = nil, workspaceIDs: [Int] = [], active: ActiveFilter = .activeOnly
    ) {
        self.offset = offset
        self.limit = limit
        self.sortByName = sortByName
        self.templateTypeID = templateTypeID
        self.extensionType = extensionType
        self.workspaceIDs = workspaceIDs
        self.active = active
    }

    var queryItems: [(String, String)] {
        var items = [("offset", String(offset)), ("limit", String(limit))]
        if sortByName { items.append(("sort", "name")) }
        if let templateTypeID { items.append(("template_type_id", String(templateTypeID))) }
        if let extensionType { items.append(("extension_type", extensionType)) }
        if !workspaceIDs.isEmpty { items.append(("filter[workspace_ids]", workspaceIDs.map(String.init).joined(separator: ","))) }
        switch active {
        case .activeOnly: break
        case .inactiveOnly: items.append(("filter[active]", "false"))
        case .all: items.append(("filter[active]", ""))
        }
        return items
    }
}

import Foundation
import Vapor

/// Workspaces, users and templates as Oneflow writes them.
/// https://developer.oneflow.com/docs/workspace; templates: shared/oneflow-contract-creation.md §3.
extension SandboxJSON {
    struct Workspace: Content {
        var id: Int
        var name: String
        var description: String
        var company_name: String
        var country_code: String
        var registration_number: String
        var date_format: String
        var created_time: String?
        var updated_time: String?
        /// The acting user's permissions in this workspace.
        var _permissions: [String: Bool]
        var _links: [String: Link]

        init(_ r: WorkspaceRecord, canCreate: Bool) {
            (id, name, description, company_name) = (r.id, r.name, "", r.companyName)
            (country_code, registration_number, date_format) = (r.countryCode, r.registrationNumber, "")
            (created_time, updated_time) = (time(r.createdTime), nil)
            _permissions = ["contract:create": canCreate]
            _links = ["self": Link(href: "https://api.oneflow.com/v1/workspaces/\(r.id)")]
        }
    }

    /// The shape of `GET /v1/users` items is not documented; these are the fields one needs
    /// to choose a sender.
    struct User: Content {
        var id: Int
        var name: String
        var email: String
        var title: String?
        var active: Bool
        var role: String
        var _links: [String: Link]

        init(_ r: UserRecord) {
            (id, name, email, title, active, role) = (r.id, r.name, r.email, r.title, r.active, r.role)
            _links = ["self": Link(href: "https://api.oneflow.com/v1/users/\(r.id)")]
        }
    }

    struct Option: Content {
        var name: String
        var preferred: Bool
        var required_participant_attributes: [String]
        init(_ r: OptionRecord) { (name, preferred, required_participant_attributes) = (r.name, r.preferred, r.requiredAttributes) }
    }

    struct AvailableOptions: Content {
        var can_receive_attachments: Bool
        var can_receive_expanded_pdf: Bool
        var can_receive_products: Bool
        var delivery_channels: [Option]
        var sign_methods: [Option]
        var two_step_authentication_methods: [Option]
    }

    /// `template_type` is null for a template in no group (php-sdk fixtures).
    struct TemplateTypeSummary: Content {
        var id: Int
        var name: String
        var description: String
        var extension_type: String?
        var created_time: String?
        var updated_time: String?
    }

    /// `{id, name}`; the sandbox's templates have none.
    struct Tag: Content {
        var id: Int
        var name: String
    }

    struct Template: Content {
        var id: Int
        var name: String
        var active: Bool
        var workspace_id: Int
        var available_options: AvailableOptions
        var tags: [Tag]
        var template_type: TemplateTypeSummary?
        var created_time: String?
        var updated_time: String?
        var _links: [String: Link]

        init(_ r: TemplateRecord, type: TemplateTypeRecord?) {
            (id, name, active, workspace_id, tags) = (r.id, r.name, r.active, r.workspaceID, [])
            available_options = AvailableOptions(
                can_receive_attachments: false, can_receive_expanded_pdf: true, can_receive_products: false,
                delivery_channels: r.deliveryChannels.map(Option.init), sign_methods: r.signMethods.map(Option.init),
                two_step_authentication_methods: r.twoStepMethods.map(Option.init))
            template_type = type.map {
                TemplateTypeSummary(
                    id: $0.id, name: $0.name, description: $0.description, extension_type: $0.extensionType,
                    created_time: time($0.createdTime), updated_time: time($0.updatedTime))
            }
            (created_time, updated_time) = (time(r.createdTime), time(r.updatedTime))
            _links = [
                "self": Link(href: "https://api.oneflow.com/v1/templates/\(r.id)"),
                "template_type": Link(href: r.templateTypeID.map { "https://api.oneflow.com/v1/template_types/\($0)" }),
            ]
        }
    }

    /// An item of `GET /v1/helpers/contract_create_data`: a workspace and its templates.
    struct WorkspaceTemplates: Content {
        var id: Int
        var name: String
        var templates: [Template]
    }
}

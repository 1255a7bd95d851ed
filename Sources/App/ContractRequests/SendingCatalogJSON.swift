import Foundation
import OneflowAPI
import Vapor

/// `GET /api/v1/templates`: the templates a contract request may name, each with the HR
/// fields it fills and what each delivery channel, sign method and two-step method needs of
/// the signer (in the request's own words: `email`, `phone`, `personal_number`).
struct SendingCatalogJSON: Content {
    struct Sender: Content {
        var email: String
        var name: String?
    }

    struct Workspace: Content {
        var id: Int
        var name: String?
    }

    struct Field: Content {
        /// The key in a request's `fields`.
        var hr_field: String
        var custom_id: String
        var name: String
        var required: Bool
        /// text, date (YYYY-MM-DD) or number.
        var format: String
    }

    struct Option: Content {
        var name: String
        var preferred: Bool
        var needs: [String]
    }

    struct TemplateJSON: Content {
        var id: Int
        var name: String?
        var workspace: Workspace
        /// The one a request without `template_id` uses.
        var `default`: Bool
        var fields: [Field]
        var delivery_channels: [Option]
        var sign_methods: [Option]
        var two_step_authentication_methods: [Option]
    }

    var sender: Sender
    var data: [TemplateJSON]

    init(_ catalog: SendingCatalog, config: AppConfig) {
        sender = Sender(email: catalog.sender.email, name: catalog.sender.name)
        let fields = catalog.fillable.map { field, hrKey in
            Field(hr_field: hrKey, custom_id: field.customID, name: field.name, required: field.spec.required, format: field.format.rawValue)
        }
        data = catalog.offers.enumerated().map { index, offer in
            TemplateJSON(
                id: offer.template.id, name: offer.template.name, workspace: Workspace(id: offer.workspaceID, name: offer.workspaceName),
                default: index == 0, fields: fields,
                delivery_channels: offer.options.deliveryChannels.map(Self.option),
                sign_methods: offer.options.signMethods.map(Self.option),
                two_step_authentication_methods: offer.options.twoStepAuthenticationMethods.map(Self.option))
        }
    }

    static func option(_ o: AvailableOptions.Option) -> Option {
        Option(
            name: o.name, preferred: o.preferred ?? false,
            needs: o.requiredParticipantAttributes.map { attribute in
                switch attribute {
                case "phone_number": "phone"
                case "identification_number": "personal_number"
                default: attribute
                }
            })
    }
}

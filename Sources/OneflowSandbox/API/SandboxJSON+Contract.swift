import Foundation
import Vapor

extension SandboxJSON {
    struct ContractDataField: Content {
        var id: Int
        var name: String
        var description: String
        var placeholder: String
        var value: String
        var _private_ownerside: [String: String?]

        init(_ r: ContractFieldRecord, created: Date) {
            (id, name, description, placeholder, value) = (r.id, r.name, "", "", r.value)
            _private_ownerside = ["custom_id": r.customID, "created_time": time(created), "updated_time": time(r.updatedTime)]
        }
    }

    struct Participant: Content {
        var id: Int
        var name: String
        var email: String
        var phone_number: String?
        var identification_number: String?
        var title: String?
        var signatory: Bool
        var organizer: Bool
        var my_participant: Bool
        var sign_state: String
        var sign_state_updated_time: String?
        /// Only a signatory signs, so only a signatory has a sign method.
        var sign_method: String?
        var delivery_channel: String
        var delivery_status: String
        var two_step_authentication_method: String
        var _permissions: [String: Bool]

        init(_ r: ParticipantRecord, owner: Bool) {
            (id, name, email, phone_number) = (r.id, r.name, r.email, r.phoneNumber)
            (identification_number, title) = (r.identificationNumber, r.title)
            (signatory, organizer, my_participant) = (r.isSignatory, r.organizer ?? false, owner)
            (sign_state, sign_state_updated_time) = (r.signState, time(r.signStateUpdatedTime))
            (sign_method, delivery_channel) = (r.isSignatory ? r.signMethod ?? "standard_esign" : nil, r.deliveryChannel ?? "email")
            two_step_authentication_method = r.twoStepMethod ?? "none"
            delivery_status = r.deliveryStatus ?? "not_sent"
            _permissions = ["contract:update": r.canUpdate ?? owner]
        }
    }

    /// Company parties list `participants`; an individual party carries one `participant`.
    struct Party: Content {
        var id: Int
        var type: String
        var name: String
        var identification_number: String?
        var country_code: String
        var my_party: Bool
        var participants: [Participant]?
        var participant: Participant?
    }

    struct LifecycleState: Content {
        var lifecycle_state: String
        var contract_start_time: String?
        var contract_end_time: String?
        var cancel_time: String?
        var is_canceled: Bool
        var has_ended_by_termination: Bool
        var is_recurring: Bool
        var lifecycle_state_updated_time: String?
    }

    struct Contract: Content {
        var id: Int
        var state: String
        var state_updated_time: String?
        var published_time: String?
        var updated_time: String?
        var signing_period_expiry_time: String?
        var _private: [String: Scalar]
        var _private_ownerside: [String: Scalar]
        var data_fields: [ContractDataField]
        var parties: [Party]
        var lifecycle_state: LifecycleState
        var lifecycle_settings: [String: String]
        var _links: [String: Link]

        init(_ r: ContractRecord) {
            (id, state) = (r.id, r.state)
            (state_updated_time, published_time, updated_time) = (time(r.stateUpdatedTime), time(r.publishedTime), time(r.updatedTime))
            signing_period_expiry_time = time(r.publishedTime?.addingTimeInterval(30 * 86400))
            _private = ["name": .string(r.name), "workspace_id": .number(r.workspaceID)]
            _private_ownerside = [
                "created_time": .string(time(r.createdTime) ?? ""), "template_id": .number(r.templateID),
                "template_type_id": r.templateTypeID.map(Scalar.number) ?? .null,
            ]
            data_fields = r.dataFields.map { ContractDataField($0, created: r.createdTime) }
            parties = r.parties.map { p in
                let people = p.participants.map { Participant($0, owner: p.myParty) }
                return Party(
                    id: p.id, type: p.type, name: p.name, identification_number: p.identificationNumber, country_code: p.countryCode,
                    my_party: p.myParty, participants: p.type == "individual" ? nil : people,
                    participant: p.type == "individual" ? people.first : nil)
            }
            lifecycle_state = LifecycleState(
                lifecycle_state: r.lifecycleState, contract_start_time: time(r.contractStartTime), contract_end_time: time(r.contractEndTime),
                cancel_time: r.canceled ? time(r.lifecycleUpdatedTime) : nil, is_canceled: r.canceled,
                has_ended_by_termination: r.endedByTermination, is_recurring: false, lifecycle_state_updated_time: time(r.lifecycleUpdatedTime)
            )
            lifecycle_settings = ["type": "no_duration"]
            let base = "https://api.oneflow.com/v1/contracts/\(r.id)"
            _links = [
                "self": Link(href: base), "data_fields": Link(href: base + "/data_fields"), "events": Link(href: base + "/events"),
                "files": Link(href: base + "/files"), "parties": Link(href: base + "/parties"),
                "template": Link(href: "https://api.oneflow.com/v1/templates/\(r.templateID)"),
                "workspace": Link(href: "https://api.oneflow.com/v1/workspaces/\(r.workspaceID)"),
                "template_type": Link(href: r.templateTypeID.map { "https://api.oneflow.com/v1/template_types/\($0)" }),
            ]
        }
    }
}

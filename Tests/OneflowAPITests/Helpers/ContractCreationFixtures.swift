/// Response bodies for the contract-creation calls, in the shapes of
/// `shared/oneflow-contract-creation.md` (§2 workspace sample, §3a helper array, §3b template
/// sample), with the extra fields real responses carry.
enum CreationFixtures {
    /// §2, plus a workspace without `_permissions`.
    static let workspacesPage = #"""
        {
          "_links": {"next": {"href": null}, "previous": {"href": null},
                     "self": {"href": "https://api.oneflow.com/v1/workspaces?limit=100&offset=0"}},
          "count": 2,
          "data": [{
            "_links": {"self": {"href": "https://api.oneflow.com/v1/workspaces/396198"}},
            "_permissions": {"contract:create": true},
            "company_name": "LL", "country_code": "SE", "created_time": "2018-11-28T15:07:11+00:00",
            "date_format": "", "description": "", "id": 396198, "name": "oneflow-collection",
            "registration_number": "1234-567", "updated_time": null
          }, {"id": 396199, "name": "Sales"}]
        }
        """#

    /// The shape of `GET /v1/users` items is inferred; `role` as an object must not break the list.
    static let usersPage = #"""
        {"_links": {}, "count": 2, "data": [
          {"id": 7, "name": "Hanna HR", "email": "hanna@acme.example", "title": "HR lead", "active": true, "role": "admin"},
          {"id": 8, "name": "Old Account", "email": "old@acme.example", "active": false, "role": {"id": 2, "name": "user"}}
        ]}
        """#

    /// §3b: the documented template object.
    static let template = #"""
        {
          "_links": {"self": {"href": "https://api.oneflow.com/v1/templates/110010"},
                     "template_type": {"href": "https://api.oneflow.com/v1/template_types/5"}},
          "available_options": {
            "can_receive_attachments": false, "can_receive_expanded_pdf": true, "can_receive_products": false,
            "delivery_channels": [
              {"name": "email", "preferred": true, "required_participant_attributes": ["email"]},
              {"name": "none",  "preferred": false, "required_participant_attributes": []}],
            "sign_methods": [{"name": "standard_esign", "preferred": true}],
            "two_step_authentication_methods": [
              {"name": "email", "preferred": false, "required_participant_attributes": ["email"]},
              {"name": "none",  "preferred": true,  "required_participant_attributes": []}]
          },
          "created_time": "2021-05-05T07:40:11+00:00", "id": 110010, "name": "Code of Conduct",
          "tags": [{"id": 12346, "name": "HR"}],
          "template_type": {"created_time": "2021-05-05T07:40:11+00:00", "description": "Hubspot data fields",
                            "extension_type": "hubspot", "id": 5, "name": "Hubspot Template", "updated_time": "2021-05-05T07:40:11+00:00"},
          "updated_time": "2021-06-07T07:43:39+00:00"
        }
        """#

    /// A template in no template group: `template_type` and its link are null.
    static let ungroupedTemplate = #"""
        {"_links": {"self": {"href": "https://api.oneflow.com/v1/templates/110011"}, "template_type": {"href": null}},
         "id": 110011, "name": "Loose template", "active": true, "template_type": null, "tags": []}
        """#

    static let templatesPage = #"{"_links": {}, "count": 2, "data": [\#(template), \#(ungroupedTemplate)]}"#

    /// §3a: the helper's unpaginated array.
    static let contractCreateData = #"""
        [
          {"id": 396198, "name": "HR", "templates": [
             {"id": 110010, "name": "Employment contract (HR Bridge)",
              "template_type": {"id": 12222, "name": "HR Bridge", "extension_type": null},
              "available_options": {"delivery_channels": [{"name": "email", "preferred": true, "required_participant_attributes": ["email"]}]},
              "created_time": "2025-01-01T00:00:00+00:00", "updated_time": "2025-01-02T00:00:00+00:00"}
          ]},
          {"id": 396200, "name": "Empty"}
        ]
        """#

    /// What `POST /v1/contracts/create` answers: the new draft, not yet sent to anyone.
    static let createdDraft = #"""
        {
          "id": 4004, "state": "draft", "state_updated_time": "2025-09-01T10:00:00+0000", "published_time": null,
          "_private": {"name": "Employment contract – Jane Doe", "workspace_id": 396198},
          "_private_ownerside": {"created_time": "2025-09-01T10:00:00+0000", "template_id": 110010, "template_type_id": 12222},
          "data_fields": [
            {"id": 92, "name": "Start date", "value": "2025-10-01", "_private_ownerside": {"custom_id": "start_date"}}
          ],
          "parties": [
            {"id": 1, "type": "company", "name": "LL", "identification_number": "1234-567", "country_code": "SE", "my_party": true,
             "participants": [{"id": 11, "name": "Hanna HR", "email": "hanna@acme.example", "signatory": true,
               "delivery_channel": "email", "delivery_status": "not_sent", "_permissions": {"contract:update": true}}]},
            {"id": 2, "type": "individual", "my_party": false,
             "participant": {"id": 21, "name": "Jane Doe", "email": "jane@example.com", "signatory": true,
               "sign_state": "undecided", "delivery_channel": "email", "delivery_status": "not_sent",
               "sign_method": "standard_esign", "two_step_authentication_method": "none", "_permissions": {"contract:update": true}}}
          ],
          "_links": {"self": {"href": "https://api.oneflow.com/v1/contracts/4004"}}
        }
        """#

    static let published = #"{"id": 4004, "state": "pending", "published_time": "2025-09-01T10:05:00+0000", "parties": []}"#

    static let dataField = #"{"id": 92, "name": "Start date", "value": "2025-11-01", "_private_ownerside": {"custom_id": "start_date"}}"#

    static let createValidationError = #"""
        {"error_code": 4000000, "detail": "Invalid request.",
         "parameter_problems": {"parties[0].participant.email": "Must be a valid email.", "template_id": ["Template not in workspace."]},
         "request_id": "Req-create", "status": 400, "title": "Bad Request", "type": "https://api.oneflow.com/v1/error_codes/4000000"}
        """#

    static func error(_ status: Int, _ title: String) -> String {
        #"{"error_code": \#(status)0000, "detail": "\#(title).", "parameter_problems": {}, "request_id": "Req-\#(status)", "status": \#(status), "title": "\#(title)"}"#
    }
}

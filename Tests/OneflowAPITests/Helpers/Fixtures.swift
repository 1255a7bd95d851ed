/// Response bodies in the shapes documented in `shared/oneflow-api.md`, with the extra
/// fields real responses carry (`_links`, `_permissions`, fields we do not model) so the
/// tests prove we tolerate them.
enum Fixtures {
    static let contract = #"""
        {
          "id": 3003,
          "state": "signed",
          "state_updated_time": "2025-09-01T10:15:00+0000",
          "published_time": "2025-08-30T08:00:00+0000",
          "updated_time": "2025-09-01T10:15:00+0000",
          "signing_period_expiry_time": null,
          "_private": {"name": "Employment agreement – Jane Doe", "value": {"amount": "0", "currency": "SEK"}, "workspace_id": 130406},
          "_private_ownerside": {"created_time": "2025-08-29T12:00:00+0000", "template_id": 756510, "template_type_id": 12222},
          "data_fields": [
            {"id": 91, "name": "Employee number", "description": "", "placeholder": "", "value": "10023",
             "_private_ownerside": {"custom_id": "employee_number", "created_time": "2025-08-29T12:00:00+0000", "updated_time": "2025-08-29T12:00:00+0000"}},
            {"id": 92, "name": "Start date", "value": "2025-10-01",
             "_private_ownerside": {"custom_id": "start_date", "created_time": "2025-08-29T12:00:00+0000", "updated_time": "2025-08-29T12:00:00+0000"}}
          ],
          "parties": [
            {"id": 1, "type": "company", "name": "Acme AB", "identification_number": "556000-0000", "country_code": "SE", "my_party": true,
             "participants": [
               {"id": 11, "name": "Hanna HR", "email": "hanna@acme.example", "organizer": true, "signatory": true,
                "sign_state": "signed", "sign_state_updated_time": "2025-08-30T08:05:00+0000",
                "delivery_channel": "email", "sign_method": "standard_esign", "_permissions": {"contract:update": true}}
             ]},
            {"id": 2, "type": "individual", "name": "", "my_party": false,
             "participant": {"id": 21, "name": "Jane Doe", "email": "jane@example.com", "phone_number": "+46701234567",
               "identification_number": "19900101-1234", "title": "Support Engineer", "signatory": true,
               "sign_state": "signed", "sign_state_updated_time": "2025-09-01T10:15:00+0000",
               "sign_method": "swedish_bankid", "two_step_authentication_method": "none",
               "delivery_status": "success", "_private_ownerside": {"visits": 3, "first_visited_time": "2025-08-31T18:00:00+0000"}}}
          ],
          "lifecycle_state": {"lifecycle_state": "awaiting", "contract_start_time": "2025-10-01T00:00:00+0000", "contract_end_time": null,
            "cancel_time": null, "is_canceled": false, "has_ended_by_termination": false, "is_recurring": false,
            "period": null, "lifecycle_state_updated_time": "2025-09-01T10:15:00+0000"},
          "lifecycle_settings": {"type": "no_duration", "start_date": "2025-10-01"},
          "available_options": {"can_receive_emails": true},
          "pdf_file_groups": [],
          "_links": {"self": {"href": "https://api.oneflow.com/v1/contracts/3003"},
                     "template_type": {"href": "https://api.oneflow.com/v1/template_types/12222"}},
          "_permissions": {"contract:update": false}
        }
        """#

    /// A contract as a future Oneflow might send it: values we have never seen.
    static let contractWithUnknownValues = #"""
        {"id": 7, "state": "archived", "data_fields": [],
         "parties": [{"id": 5, "type": "robot", "my_party": false,
           "participant": {"id": 6, "name": "R", "sign_state": "delegated", "sign_method": "future_eid"}}],
         "lifecycle_state": {"lifecycle_state": "paused"}}
        """#

    static let account = #"""
        {"id": 8123, "name": "Acme AB", "country_code": "SE", "registration_number": "556000-0000",
         "created_time": "2020-01-01T08:00:00+0000", "updated_time": "2024-05-05T08:00:00+0000",
         "token_info": {"integration": {"id": null, "key": "custom"}},
         "_links": {"self": {"href": "https://api.oneflow.com/v1/accounts/me"}}}
        """#

    static let templateTypesPage = #"""
        {"_links": {"next": {"href": "https://api.oneflow.com/v1/template_types?offset=2&limit=2"}, "previous": {"href": null},
                    "self": {"href": "https://api.oneflow.com/v1/template_types?offset=0&limit=2"}},
         "count": 3,
         "data": [
           {"id": 12222, "name": "HR Bridge", "description": "ours", "extension_type": null, "data_fields": [],
            "created_time": "2025-01-01T00:00:00+0000", "updated_time": "2025-01-01T00:00:00+0000", "_links": {}},
           {"id": 12223, "name": "Sales", "description": "", "extension_type": "salesforce_v2"}
         ]}
        """#

    static let dataFieldsResponse = #"""
        {"data_fields": [
          {"id": 1, "custom_id": "employee_number", "name": "Employee number", "description": "", "placeholder": "e.g. 10023",
           "value": "", "active": true, "source": "user", "_links": {"template_type": {"href": "/v1/template_types/12222"}}},
          {"id": 2, "custom_id": "start_date", "name": "Start date", "value": "", "active": true, "source": "brand_new_source"}
        ]}
        """#

    /// Webhook lists are seen both bare and enveloped; `id` and `webhook_id` both occur.
    static let webhooksBare = #"""
        [{"id": 55, "callback_url": "https://hr.example.com/webhooks/oneflow/k1", "sign_key": "s3cr3t",
          "template_group_id": 12222, "integration_process_id": null,
          "filters": [{"filter_rules": [{"type": "EVENT_TYPE", "values": ["contract:sign", "contract:publish"]}]}]}]
        """#

    static let webhooksEnvelope = #"""
        {"count": 1, "data": [{"webhook_id": 56, "callback_url": "https://hr.example.com/x", "sign_key": null,
          "template_group_id": null, "legacy_webhook": false,
          "filters": [{"filter_rules": [{"type": "WORKSPACE", "values": [130406]}]}]}], "_links": {}}
        """#

    static let notFoundError = #"""
        {"error_code": 4040000, "detail": "An object referenced in the request was not found.", "parameter_problems": {},
         "request_id": "Bp1JbY53xq", "status": 404, "title": "Not Found", "type": "https://api.oneflow.com/v1/error_codes/4040000"}
        """#

    static let validationError = #"""
        {"error_code": 4000000, "detail": "Invalid request.", "parameter_problems": {"callback_url": "Must be https.", "filters": ["Too many values."]},
         "request_id": "Req-400", "status": 400, "title": "Bad Request", "type": "https://api.oneflow.com/v1/error_codes/4000000"}
        """#

    static let rateLimited = #"""
        {"error_code": 4290000, "detail": "Too many requests.", "parameter_problems": {}, "request_id": "Req-429",
         "status": 429, "title": "Too Many Requests", "type": "https://api.oneflow.com/v1/error_codes/4290000"}
        """#

    static let notification = #"""
        {"contract": {"id": 101}, "callback_id": "eaf850991bb7c273a56dcdeb265d30006fdc9de0",
         "events": [{"created_time": "2020-07-06T15:14:14+0000", "id": 2322, "type": "contract:publish"},
                    {"created_time": "2020-07-06T15:14:15+0000", "id": 2323, "type": "participant:first_visit"}],
         "signature": "cbff4912268db88c60dc81d7d232c50bde58af9d"}
        """#
}

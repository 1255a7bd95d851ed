import Foundation
import Vapor

/// The body of `POST /api/v1/contract-batches` (and what the admin's upload makes): contract
/// requests in the shape of `POST /api/v1/contract-requests`, each checked on its own, with
/// `defaults` under every row (a template, a message, `send` said once).
struct ContractBatchInput: Content, Equatable {
    /// Operator keys name it; a scoped key's own is implied. A row may repeat it, not differ.
    var installation_id: UUID?
    /// What the HR admin calls the batch (the uploaded file's name).
    var label: String?
    var defaults: ContractRequestInput?
    var requests: [ContractRequestInput]?

    /// The body as read (`JSONEncoder.fingerprint`).
    var fingerprint: String { JSONEncoder.fingerprint(of: self) }
}

extension ContractRequestInput {
    /// This row with `defaults` under it: each value the row leaves out is the default's; the
    /// HR fields are merged, the row's winning. Who signs is always the row's own (defaults that
    /// name someone are refused, `ContractBatches.submit`).
    func over(_ defaults: ContractRequestInput?) -> ContractRequestInput {
        guard let d = defaults else { return self }
        var row = self
        if let base = d.fields { row.fields = base.merging(fields ?? [:]) { _, own in own } }
        row.template_id = template_id ?? d.template_id
        row.workspace_id = workspace_id ?? d.workspace_id
        row.name = name ?? d.name
        row.delivery_channel = delivery_channel ?? d.delivery_channel
        row.sign_method = sign_method ?? d.sign_method
        row.two_step_authentication_method = two_step_authentication_method ?? d.two_step_authentication_method
        row.subject = subject ?? d.subject
        row.message = message ?? d.message
        row.send = send ?? d.send
        row.manager_email = manager_email ?? d.manager_email
        return row
    }
}

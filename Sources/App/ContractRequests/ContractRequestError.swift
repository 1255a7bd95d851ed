import Foundation
import OneflowAPI
import Vapor

/// Why a contract request cannot be taken or acted on, in words for the HR system's admin.
enum ContractRequestError: ExplainedError, Equatable {
    /// The request's body or fields are wrong: each problem names its field.
    case invalid([ContractRequestProblem])
    case notConnected
    case noSender
    /// The saved sender is no longer an active user of the account.
    case senderGone(String)
    /// Oneflow could not be asked (its answer, in words).
    case oneflowUnavailable(String)
    case notFound
    case noInstallation
    /// A draft already being sent.
    case alreadySending
    /// The same `Idempotency-Key` came with another body.
    case keyReused
    /// The action needs a draft.
    case notDraft(ContractRequest.State)
    /// A draft of a batch being cancelled is deleted, not sent (`ContractBatchJobs`).
    case batchCancelled

    var status: HTTPResponseStatus {
        switch self {
        case .invalid: .unprocessableEntity
        case .notConnected, .noSender, .senderGone: .conflict
        case .oneflowUnavailable: .badGateway
        case .notFound, .noInstallation: .notFound
        case .alreadySending: .conflict
        case .keyReused, .notDraft, .batchCancelled: .conflict
        }
    }

    var reason: String {
        switch self {
        case .invalid(let problems): problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        case .notConnected: "The installation is not connected to Oneflow (disconnected, or its setup did not finish)."
        case .noSender: "The Oneflow account has no active user to send contracts as; set oneflow.user_email or add a user in Oneflow."
        case .senderGone(let email):
            "The sender chosen for this account (\(email)) is no longer an active Oneflow user: choose another under Sending contracts."
        case .oneflowUnavailable(let why): "Oneflow could not be asked: \(why)"
        case .notFound: "No such contract request."
        case .noInstallation: "No such installation."
        case .alreadySending: "This draft is being sent already."
        case .keyReused: "This Idempotency-Key was already used with a different request body."
        case .notDraft(let state): "Only a draft can be sent or deleted; this request is \(state.rawValue)."
        case .batchCancelled: "This draft's batch was cancelled: the draft is deleted in Oneflow, not sent."
        }
    }

    var problems: [FieldProblem] {
        if case .invalid(let problems) = self { return problems }
        return []
    }

    /// Runs `body`; a Oneflow failure becomes `oneflowUnavailable` with its reason.
    static func explaining<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as OneflowError {
            throw ContractRequestError.oneflowUnavailable(OneflowWords.explain(error))
        }
    }
}

/// One thing wrong with a contract request, for an HR admin.
typealias ContractRequestProblem = FieldProblem

/// Oneflow's failures in plain words: its own detail and the parameters it names.
enum OneflowWords {
    static func explain(_ error: OneflowError) -> String {
        var text: String
        switch error.status {
        case 402?: text = "Oneflow refused (402): publishing contracts is not included in the account's plan."
        case 403?: text = "Oneflow refused (403): the sending user may not do this in the workspace."
        case 404?: text = "Oneflow does not know it (404)."
        case 429?: text = "Oneflow's rate limit was reached (429)."
        case let status? where status >= 500: text = "Oneflow had an error (\(status))."
        case let status?: text = "Oneflow refused (\(status))."
        case nil: text = "Oneflow did not answer."
        }
        let detail = error.detail.trimmingCharacters(in: .whitespacesAndNewlines)
        if !detail.isEmpty, error.status != nil { text += " " + detail }
        let problems = error.parameterProblems.keys.sorted().map { "\(field($0)): \(error.parameterProblems[$0]!)" }
        if !problems.isEmpty { text += " (" + problems.joined(separator: "; ") + ")" }
        return text
    }

    /// What a parameter Oneflow names is, for an HR admin: `parties[0].participant.phone_number`
    /// is the signer's phone. https://developer.oneflow.com/docs/handling-errors-with-error-codes
    static func field(_ parameter: String) -> String {
        let attribute = parameter.split(separator: ".").last.map(String.init) ?? parameter
        let person = [
            "name": "name", "email": "email", "phone_number": "phone", "identification_number": "personal number", "title": "title",
            "delivery_channel": "delivery channel", "sign_method": "sign method", "two_step_authentication_method": "two-step authentication",
        ]
        if parameter.hasPrefix("parties["), let what = person[attribute] { return "the signer's \(what)" }
        if parameter.hasPrefix("my_party"), let what = person[attribute] { return "our side's \(what)" }
        if parameter.hasPrefix("data_fields") { return "a data field" }
        let top = [
            "template_id": "the template", "workspace_id": "the workspace", "name": "the contract's name", "subject": "the invitation's subject",
            "message": "the invitation's message", "x-oneflow-user-email": "the sender",
        ]
        return top[parameter] ?? parameter
    }
}

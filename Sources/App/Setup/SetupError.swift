import OneflowAPI
import Vapor

/// Why a setup did not finish, in words a Oneflow customer understands, with the HTTP
/// status the failure page is served with.
enum SetupError: Error, Sendable, Equatable {
    /// Not 40 characters: not a Oneflow token at all.
    case malformedToken
    /// Oneflow answered 401: wrong, expired or revoked token.
    case tokenRejected
    /// Oneflow answered 402/403: the account's plan has no API access.
    case noAPIAccess
    /// Oneflow answered 5xx or 429, or not at all.
    case oneflowUnavailable
    /// Oneflow refused our webhook address (it must be HTTPS and reachable).
    case callbackURLRejected(String)
    /// Oneflow refused a request for another reason.
    case oneflowRejected(String)
    /// Our database failed.
    case storage
    /// `setup.accept` does not let this new Oneflow account install.
    case notAllowed(accountID: Int)
    /// `setup.accept = approval`: an admin refused this account's request.
    case refused(accountID: Int)
    /// `setup.accept = approval`: the request is stored and waits for an admin (not a failure:
    /// the setup controller shows the waiting page).
    case awaitingApproval(requestID: UUID)
    /// Oneflow answered 401 for `oneflow.user_email`, not for the token: our configuration.
    case userEmailRefused
    /// `setup.accept = link`: a new account needs a connection link from the HR system.
    case needsLink
    /// The connection link opened is unknown, expired or used.
    case linkUnknown
    case linkExpired
    case linkUsed

    var status: HTTPResponseStatus {
        switch self {
        case .malformedToken: .badRequest
        case .tokenRejected: .unauthorized
        case .noAPIAccess: .forbidden
        case .oneflowUnavailable: .badGateway
        case .callbackURLRejected, .oneflowRejected: .badGateway
        case .storage: .serviceUnavailable
        case .notAllowed, .refused: .forbidden
        case .awaitingApproval: .accepted
        case .needsLink: .forbidden
        case .userEmailRefused: .badGateway
        case .linkUnknown: .notFound
        case .linkExpired, .linkUsed: .gone
        }
    }

    var title: String {
        switch self {
        case .malformedToken, .tokenRejected: "The extension token was not accepted"
        case .noAPIAccess: "Your Oneflow plan does not include API access"
        case .oneflowUnavailable: "Oneflow could not be reached"
        case .callbackURLRejected: "Oneflow did not accept our webhook address"
        case .oneflowRejected: "Oneflow refused part of the setup"
        case .storage: "HR Bridge could not save the connection"
        case .notAllowed: "This Oneflow account may not connect here yet"
        case .refused: "Your request to connect was not approved"
        case .awaitingApproval: "Waiting for approval"
        case .needsLink: "Start from your HR system"
        case .userEmailRefused: "HR Bridge is not set up to act in your account yet"
        case .linkUnknown: "This connection link is not valid"
        case .linkExpired: "This connection link has expired"
        case .linkUsed: "This connection link has been used"
        }
    }

    var message: String {
        switch self {
        case .malformedToken:
            "That does not look like a Oneflow extension token (they are 40 characters long). Copy it again from Oneflow and paste it here."
        case .tokenRejected:
            "Oneflow says the token is invalid or has been revoked. Enable the extension again in the Oneflow Marketplace to get a new one."
        case .noAPIAccess:
            "HR Bridge needs Oneflow's API and webhooks. Ask your Oneflow account manager to enable API access for your plan, then try again."
        case .oneflowUnavailable:
            "Oneflow did not answer or is busy right now. Nothing was lost: try again in a minute and the setup continues where it stopped."
        case .callbackURLRejected(let detail):
            "Oneflow only sends webhooks to public HTTPS addresses. Ask your HR Bridge administrator to check the public address (public.base_url). Oneflow said: \(detail)"
        case .oneflowRejected(let detail):
            "Oneflow said: \(detail). Try again; if it keeps failing, contact HR Bridge support with the reference below."
        case .storage:
            "Our database did not answer. Nothing was lost: try again in a minute."
        case .notAllowed(let accountID):
            "This HR Bridge connects only the Oneflow accounts its operator has allowed, and Oneflow account \(accountID) is not one of them yet. Nothing was stored. Ask your HR system's provider to allow account \(accountID), then enable the extension in Oneflow again."
        case .refused(let accountID):
            "An administrator of this HR Bridge did not approve connecting Oneflow account \(accountID). Your request and its token are deleted, and nothing was made in your Oneflow account. Ask your HR system's provider if this is a mistake; enabling the extension again asks again."
        case .awaitingApproval:
            "Your request to connect is stored. An administrator of this HR Bridge approves new accounts; this page moves on by itself once they have."
        case .userEmailRefused:
            "Your extension token works, but Oneflow does not know the user HR Bridge is configured to act as (oneflow.user_email) in your account. Nothing was stored. Ask your HR Bridge administrator to set it to an active user of your account, or to leave it empty; then enable the extension again."
        case .needsLink:
            "This HR Bridge connects the Oneflow accounts its HR system invites. Ask your HR system (or its administrator) for a connection link, open it in this browser, then enable the extension in Oneflow again. Nothing was stored."
        case .linkUnknown:
            "Check that the whole link was copied, or ask your HR system for a new one. Nothing was stored."
        case .linkExpired:
            "Connection links are valid for a limited time. Ask your HR system for a new one, open it, then enable the extension in Oneflow."
        case .linkUsed:
            "A Oneflow account was already connected with it. If that was yours, there is nothing more to do; otherwise ask your HR system for a new link."
        }
    }

    /// Whether trying again with the same token can work.
    var isRetryable: Bool {
        switch self {
        case .oneflowUnavailable, .storage, .oneflowRejected: true
        case .malformedToken, .tokenRejected, .noAPIAccess, .callbackURLRejected, .notAllowed, .refused, .awaitingApproval, .needsLink,
            .userEmailRefused,
            .linkUnknown, .linkExpired, .linkUsed:
            false
        }
    }

    /// Maps a failed Oneflow call made during setup.
    static func from(_ error: OneflowError) -> SetupError {
        if error.isUnauthorized { return .tokenRejected }
        if error.isRetryable { return .oneflowUnavailable }
        if error.status == 402 || error.status == 403 { return .noAPIAccess }
        if let problem = error.parameterProblems["callback_url"] { return .callbackURLRejected(problem) }
        return .oneflowRejected(error.detail)
    }
}

import Crypto
import Foundation
import OneflowAPI

/// What a webhook create/update body holds, after validation.
struct WebhookInputRecord: Sendable {
    var callbackURL: String
    var signKey: String?
    var templateGroupID: Int?
    var filters: [FilterRecord]
}

extension SandboxStore {
    func webhooks(accountID: Int) -> [WebhookRecord] {
        state.webhooks.filter { $0.accountID == accountID }.sorted { $0.id < $1.id }
    }

    func webhook(accountID: Int, id: Int) throws(SandboxProblem) -> WebhookRecord {
        guard let hook = state.webhooks.first(where: { $0.id == id && $0.accountID == accountID }) else { throw .notFound("The webhook") }
        return hook
    }

    func createWebhook(accountID: Int, _ input: WebhookInputRecord) throws(SandboxProblem) -> WebhookRecord {
        try checkTemplateGroup(accountID: accountID, input.templateGroupID)
        let hook = WebhookRecord(
            id: state.allocateID(), accountID: accountID, callbackURL: input.callbackURL, signKey: input.signKey,
            templateGroupID: input.templateGroupID, filters: input.filters, createdTime: now())
        state.webhooks.append(hook)
        persist()
        return hook
    }

    func updateWebhook(accountID: Int, id: Int, _ input: WebhookInputRecord) throws(SandboxProblem) -> WebhookRecord {
        guard let index = state.webhooks.firstIndex(where: { $0.id == id && $0.accountID == accountID }) else { throw .notFound("The webhook") }
        try checkTemplateGroup(accountID: accountID, input.templateGroupID)
        state.webhooks[index].callbackURL = input.callbackURL
        state.webhooks[index].signKey = input.signKey
        state.webhooks[index].templateGroupID = input.templateGroupID
        state.webhooks[index].filters = input.filters
        persist()
        return state.webhooks[index]
    }

    func deleteWebhook(accountID: Int, id: Int) throws(SandboxProblem) {
        guard let index = state.webhooks.firstIndex(where: { $0.id == id && $0.accountID == accountID }) else { throw .notFound("The webhook") }
        state.webhooks.remove(at: index)
        persist()
    }

    private func checkTemplateGroup(accountID: Int, _ id: Int?) throws(SandboxProblem) {
        guard let id else { return }
        guard state.templateTypes.contains(where: { $0.id == id && $0.accountID == accountID }) else {
            throw .notFound("The template group \(id)")
        }
    }

    // MARK: Deliveries

    /// Queues one notification per matching webhook: same account; `template_group_id` equal
    /// to the contract's template type, or null; an `EVENT_TYPE` rule (if any) admitting the
    /// event. https://developer.oneflow.com/docs/webhook-and-event
    func enqueueDeliveries(for contract: ContractRecord, events: [EventRecord]) {
        for hook in state.webhooks where hook.accountID == contract.accountID {
            guard hook.templateGroupID == nil || hook.templateGroupID == contract.templateTypeID else { continue }
            let admitted = events.filter { hook.admits(eventType: $0.type, workspaceID: contract.workspaceID) }
            guard !admitted.isEmpty else { continue }
            let callbackID = (0..<20).map { _ in UInt8.random(in: 0...255) }.lowercaseHex
            state.deliveries.append(
                DeliveryRecord(
                    id: state.allocateID(), webhookID: hook.id, accountID: hook.accountID, callbackURL: hook.callbackURL,
                    callbackID: callbackID, contractID: contract.id, events: admitted, status: "pending",
                    nextAttemptAt: now(), attempts: [], createdTime: now()
                ))
        }
    }

    /// Pending deliveries whose next attempt is due, marked as in flight (no next time) so
    /// a concurrent pass does not send them twice.
    func claimDueDeliveries() -> [(DeliveryRecord, signKey: String?, scheduledAt: Date)] {
        let time = now()
        var due: [(DeliveryRecord, String?, Date)] = []
        for index in state.deliveries.indices where state.deliveries[index].status == "pending" {
            guard let at = state.deliveries[index].nextAttemptAt, at <= time else { continue }
            state.deliveries[index].nextAttemptAt = nil
            // The sign key is read at send time: a webhook updated with a new key signs retries with it.
            let key = state.webhooks.first { $0.id == state.deliveries[index].webhookID }?.signKey
            due.append((state.deliveries[index], key, at))
        }
        if !due.isEmpty { persist() }
        return due
    }

    func record(_ attempt: AttemptRecord, deliveryID: Int, delivered: Bool, schedule: RetrySchedule) {
        guard let index = state.deliveries.firstIndex(where: { $0.id == deliveryID }) else { return }
        state.deliveries[index].attempts.append(attempt)
        if delivered {
            state.deliveries[index].status = "delivered"
        } else if let delay = schedule.delay(afterAttempt: attempt.number) {
            // Counted from the end of the failed attempt, as "retry after N seconds".
            state.deliveries[index].nextAttemptAt = now().addingTimeInterval(delay)
        } else {
            state.deliveries[index].status = "failed"
        }
        persist()
    }

    /// In-flight deliveries of a crashed process have no next time: due again at start-up.
    func rescheduleInterrupted() {
        for index in state.deliveries.indices where state.deliveries[index].status == "pending" && state.deliveries[index].nextAttemptAt == nil {
            state.deliveries[index].nextAttemptAt = now()
        }
        persist()
    }

    func deliveries() -> [DeliveryRecord] { state.deliveries }

    func nextDeliveryTime() -> Date? {
        state.deliveries.filter { $0.status == "pending" }.compactMap(\.nextAttemptAt).min()
    }
}

extension WebhookRecord {
    func admits(eventType: String, workspaceID: Int) -> Bool {
        let eventRules = filters.flatMap(\.rules).filter { $0.type == "EVENT_TYPE" }
        let workspaceRules = filters.flatMap(\.rules).filter { $0.type == "WORKSPACE" }
        let eventOK = eventRules.isEmpty || eventRules.contains { $0.values.contains(eventType) }
        let workspaceOK = workspaceRules.isEmpty || workspaceRules.contains { $0.values.contains(String(workspaceID)) }
        return eventOK && workspaceOK
    }
}

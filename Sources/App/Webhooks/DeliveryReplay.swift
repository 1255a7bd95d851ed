import Fluent
import Vapor

/// `hrbridge replay <delivery-id>`: processes a webhook delivery again (after a fix, or to
/// check that nothing changes: a replay of an applied delivery makes no second HR change).
struct ReplayCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "delivery", help: "Webhook delivery id (UUID)")
        var delivery: String
        init() {}
    }

    var help: String { "Queues one webhook delivery to be processed again" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let id = UUID(uuidString: signature.delivery), let delivery = try await WebhookDelivery.find(id, on: app.db) else {
            throw Abort(.notFound, reason: "No webhook delivery \(signature.delivery)")
        }
        try await DeliveryReplay(writer: app.services.storage.writer(on: app.db), maxAttempts: app.services.config.sync.maxAttempts).replay(
            delivery, at: app.services.clock.now)
        await app.services.audit(on: app.db, logger: app.logger).record(
            .deliveryReplayed, by: .commandLine, installation: delivery.$installation.id, subject: id.uuidString,
            detail: "contract \(delivery.oneflowContractID)")
        context.console.print("Queued delivery \(id) (contract \(delivery.oneflowContractID)) for processing.")
    }
}

/// Puts a delivery back in the queue with a fresh job.
struct DeliveryReplay {
    let writer: any DatabaseWriter
    let maxAttempts: Int

    func replay(_ delivery: WebhookDelivery, at now: Date) async throws {
        try await writer.transaction(.background) { [maxAttempts] tx in
            delivery.status = .pending
            delivery.outcomeReason = "replay requested"
            try await delivery.save(on: tx)
            try await JobQueue(db: tx).enqueue(
                kind: JobQueue.Kind.syncDelivery, payload: DeliveryJobPayload(delivery_id: try delivery.requireID()),
                maxAttempts: maxAttempts, runAt: now)
        }
    }
}

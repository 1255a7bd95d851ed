import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import OneflowAPI

/// Delivers the sandbox's webhook notifications like Oneflow: a JSON POST of
/// `{"contract":{"id"},"callback_id","events":[…],"signature"}` with
/// `signature = sha1(callback_id + sign_key)`; anything but HTTP 200 is retried on Oneflow's
/// schedule with the same `callback_id`, 10 attempts in total.
/// https://developer.oneflow.com/docs/webhook-and-event, https://developer.oneflow.com/docs/introduction
actor DeliveryEngine {
    let store: SandboxStore
    let http: HTTPClient
    let schedule: RetrySchedule
    let logger: Logger
    /// How long a receiver may take to answer; Oneflow's own limit is not documented. 30 s,
    /// as the test browser waits: a test process that stood still for 10 s (its helpers then
    /// blocked Swift's cooperative pool) made a delivery a retry due minutes later.
    let requestTimeout: TimeAmount = .seconds(30)
    private var loop: Task<Void, Never>?

    init(store: SandboxStore, http: HTTPClient, schedule: RetrySchedule, logger: Logger) {
        self.store = store
        self.http = http
        self.schedule = schedule
        self.logger = logger
    }

    /// Runs deliveries in the background until `stop()`.
    func start() async {
        guard loop == nil else { return }
        await store.rescheduleInterrupted()
        loop = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.runDue()
                let next = await self.store.nextDeliveryTime()
                // Poll at least every 50 ms so new notifications go out promptly.
                let wait = min(max(next.map { $0.timeIntervalSinceNow } ?? 0.05, 0.001), 0.05)
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    func stop() async {
        loop?.cancel()
        await loop?.value
        loop = nil
    }

    /// Sends every due delivery once (concurrently, at most 16 at a time). Returns how many.
    @discardableResult
    func runDue() async -> Int {
        let due = await store.claimDueDeliveries()
        await withTaskGroup(of: Void.self) { group in
            for (index, item) in due.enumerated() {
                if index >= 16 { await group.next() }
                group.addTask { await self.attempt(item.0, signKey: item.signKey, scheduledAt: item.scheduledAt) }
            }
        }
        return due.count
    }

    /// The JSON body Oneflow sends. Key order follows Oneflow's documented example.
    static func body(for delivery: DeliveryRecord, signKey: String?) -> String {
        // Without a sign key the signature is sha1(callback_id): Oneflow's behaviour there is undocumented.
        let signature = Insecure.SHA1.hash(data: Data((delivery.callbackID + (signKey ?? "")).utf8)).lowercaseHex
        let events = delivery.events.map {
            #"{"created_time":"\#(OneflowDate.format($0.createdTime))","id":\#($0.id),"type":"\#($0.type)"}"#
        }.joined(separator: ",")
        return
            #"{"contract":{"id":\#(delivery.contractID)},"callback_id":"\#(delivery.callbackID)","events":[\#(events)],"signature":"\#(signature)"}"#
    }

    private func attempt(_ delivery: DeliveryRecord, signKey: String?, scheduledAt: Date) async {
        var request = HTTPClientRequest(url: delivery.callbackURL)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "Oneflow-Sandbox-Webhooks/1.0")
        request.body = .bytes(ByteBuffer(string: Self.body(for: delivery, signKey: signKey)))
        let started = Date()
        let clock = ContinuousClock.now
        var status: Int?
        var failure: String?
        do {
            let response = try await http.execute(request, timeout: requestTimeout)
            _ = try await response.body.collect(upTo: 1024 * 1024)
            status = Int(response.status.code)
        } catch {
            failure = String(describing: error)
        }
        let elapsed = ContinuousClock.now - clock
        let attempt = AttemptRecord(
            number: delivery.attempts.count + 1, scheduledAt: scheduledAt, startedAt: started, status: status,
            durationMilliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
            error: failure
        )
        // Only 200 counts; "any response other than 200 is an error and causes a resend".
        await store.record(attempt, deliveryID: delivery.id, delivered: status == 200, schedule: schedule)
        logger.debug(
            "sandbox webhook attempt",
            metadata: [
                "delivery": .stringConvertible(delivery.id), "attempt": .stringConvertible(attempt.number),
                "status": .string(status.map(String.init) ?? failure ?? "none"),
            ])
    }
}

import Fluent
import Foundation
import NIOCore
import Synchronization
import Testing

@testable import App

/// The sender against a fake HR endpoint (`OutboundHTTP`): failures and answers as told, no server.
@Suite("Notification sender, fake endpoint")
struct NotificationSenderFakeTests {
    final class FakeHTTP: OutboundHTTP {
        struct Post: Sendable {
            var url: String
            var headers: [String: String]
            var body: String
        }
        struct NoAnswer: Error {}
        /// Each POST takes the next answer: a status, or nil for no answer at all.
        private let answers: Mutex<[UInt?]>
        private let log = Mutex<[Post]>([])

        init(_ answers: [UInt?]) { self.answers = Mutex(answers) }
        var posts: [Post] { log.withLock { $0 } }

        func post(_ url: String, headers: [(String, String)], body: String, timeout: TimeAmount, tls: OutboundTLS) async throws -> UInt {
            log.withLock { $0.append(Post(url: url, headers: Dictionary(headers) { _, last in last }, body: body)) }
            guard let status = answers.withLock({ $0.isEmpty ? 200 : $0.removeFirst() }) else { throw NoAnswer() }
            return status
        }

        func shutdown() async {}
    }

    @Test(
        "no answer, then a 503: each retried after its backoff (2 s, then 4 s, ±25%) and not before; then sent — every POST signed, the key in the URL"
    )
    func retries() async throws {
        try await withSyncFixture(["NOTIFY_ENDPOINT": "https://hr.example/notify", "NOTIFY_KEY": "k", "NOTIFY_SECRET": "s3cret"]) { f in
            // Given one queued notification and an endpoint that fails twice
            let fake = FakeHTTP([nil, 503, 204])
            let sender = f.notificationSender(http: fake)
            let t0 = Date()
            try await Outbox.of(f.installation).record(
                .employee, .created, data: ["id": "x"], subjectID: nil, employeeID: UUID(), installationID: f.installation.requireID(), on: f.db,
                now: t0)

            // When it is tried now, then around its first backoff (2 s ± 25%), then around its
            // second (4 s ± 25%)
            let first = try await sender.runOnce(now: t0)
            let beforeFirstBackoff = try await sender.runOnce(now: t0.addingTimeInterval(1.4))
            let t1 = t0.addingTimeInterval(2.6)
            let second = try await sender.runOnce(now: t1)
            let beforeSecondBackoff = try await sender.runOnce(now: t1.addingTimeInterval(2.9))
            let third = try await sender.runOnce(now: t1.addingTimeInterval(5.1))

            // Then three POSTs, none while backing off, and the notification is sent
            #expect(first && second && third)
            #expect(!beforeFirstBackoff && !beforeSecondBackoff)
            let notification = try #require(try await OutboundNotification.query(on: f.db).first())
            #expect(notification.status == .sent)
            #expect(notification.attempts == 3)
            #expect(fake.posts.count == 3)
            for post in fake.posts {
                #expect(post.url == "https://hr.example/notify?key=k")
                #expect(post.headers["x-signature"] == NotificationDestination.signature(of: post.body, secret: "s3cret"))
                #expect(post.headers["content-type"] == "application/json")
            }
        }
    }
}

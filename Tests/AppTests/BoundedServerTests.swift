import Foundation
import Testing
import Vapor

@testable import App

/// `BoundedHTTPServer`: what it bounds (the head, the whole request, refusals close the
/// connection) and that it keeps HTTP/1.1 as Vapor's server did (keep-alive, pipelining, HEAD,
/// the idle timer). Every other test in the suite talks to it too.
@Suite("HTTP server", .serialized)
struct BoundedServerTests {
    @Test("a request head trickled a byte at a time is closed at its deadline, unanswered, with a line naming the client")
    func headDeadline() async throws {
        let logs = LogStore()
        try await withRunningApp(["HTTP_HEAD_DEADLINE_SECONDS": "1"], logs: logs) { r in
            // Given a connection that sends a request line, then a header a byte every 100 ms (5 s in all)
            let connection = try RawConnection(port: r.port)
            connection.send("GET /health HTTP/1.1\r\n")
            let header = Array("X-Slow: \(String(repeating: "a", count: 50))\r\n".utf8)
            let sent = try await connection.trickle(header, interval: .milliseconds(100))
            // Then the server closed it with nothing said (the idle timer, 120 s, restarts on every
            // byte: without the head's deadline every byte would have gone in)
            #expect(sent < header.count)
            let answer = await connection.read(for: .seconds(20))
            #expect(answer.closed && answer.text.isEmpty, "\(answer)")
        }
        #expect(logs.all.contains { $0.contains("connection closed: its request head was not whole in time") && $0.contains("127.0.0.1") })
    }

    @Test("line breaks alone between requests do not hold a connection: past a few they are a head, with its deadline")
    func lineBreaks() async throws {
        try await withRunningApp(["HTTP_HEAD_DEADLINE_SECONDS": "1"]) { r in
            // Given a connection answered once, then sending a line break every 200 ms (6 s in all)
            let connection = try RawConnection(port: r.port)
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.readAnswers(1).hasPrefix("HTTP/1.1 200"))
            let sent = try await connection.trickle(Array(String(repeating: "\r\n", count: 15).utf8), interval: .milliseconds(200))
            // Then the server closed it: they counted as a head that never came whole
            #expect(sent < 30)
            #expect(await connection.read(for: .seconds(20)).closed)
        }
    }

    @Test("shutting down closes an idle keep-alive connection at once")
    func shutdown() async throws {
        try await withRunningApp { r in
            // Given a keep-alive connection that was answered and now waits
            let connection = try RawConnection(port: r.port)
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.readAnswers(1).hasPrefix("HTTP/1.1 200"))
            // When the server shuts down
            let started = ContinuousClock.now
            await r.app.server.shutdown()
            // Then the connection is closed, and the shutdown did not wait for it (its timeout is
            // 10 s; a loaded machine running the whole suite may take a few seconds to shut down)
            #expect(await connection.read(for: .seconds(20)).closed)
            #expect(ContinuousClock.now - started < .seconds(8))
        }
    }

    @Test("a 413 closes the connection: the answer arrives, then the end, and the rest of the body is not read")
    func tooLargeCloses() async throws {
        try await withRunningApp { r in
            // Given a sign-in form announcing 10 MB, of which the first bytes arrive
            let connection = try RawConnection(port: r.port)
            connection.send(
                "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\npassword="
            )
            // Then the answer is a 413 saying the connection closes, and the connection ends after it
            await Self.expectLastAnswer(connection, status: 413)
            // and a client that goes on sending is cut off soon (it would be read for ever otherwise)
            #expect(try await Self.cutOff(connection))
        }
    }

    @Test("a request not whole by its deadline is answered 408 and closed")
    func tooSlowCloses() async throws {
        try await withRunningApp(["HTTP_REQUEST_DEADLINE_SECONDS": "1"]) { r in
            // Given a body of 60 bytes of which 10 arrive
            let connection = try RawConnection(port: r.port)
            connection.send(
                "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\npassword=1")
            // Then after the deadline: 408, and the connection ends
            await Self.expectLastAnswer(connection, status: 408)
        }
    }

    @Test("a chunked body past the route's limit is 413 as it arrives")
    func chunkedTooLarge() async throws {
        try await withRunningApp { r in
            // Given a chunked sign-in form (16 kB limit) sending 4 kB chunks
            let connection = try RawConnection(port: r.port)
            connection.send(
                "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = "1000\r\n" + String(repeating: "a", count: 4096) + "\r\n"
            for _ in 0..<5 { connection.send(chunk) }
            // Then it is refused at the fifth, and closed
            await Self.expectLastAnswer(connection, status: 413)
        }
    }

    @Test("Expect: 100-continue: a body that fits is asked for; one that does not is refused without it")
    func expectContinue() async throws {
        try await withRunningApp { r in
            // Given a sign-in form that waits to be asked for its 20 bytes
            let fits = try RawConnection(port: r.port)
            fits.send(
                "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: 20\r\n\r\n"
            )
            // Then it is asked, and once sent, answered
            #expect(await fits.readAnswers(1) == "HTTP/1.1 100 Continue\r\n\r\n")
            fits.send("password=123&csrf=1x")
            let answer = await fits.readAnswers(1)
            #expect(answer.hasPrefix("HTTP/1.1 "), "\(answer.prefix(40))")
            #expect(!answer.hasPrefix("HTTP/1.1 100"))
            // Given one that announces 10 MB: refused at once, never asked
            let tooLarge = try RawConnection(port: r.port)
            tooLarge.send("POST /admin/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10000000\r\n\r\n")
            await Self.expectLastAnswer(tooLarge, status: 413)
        }
    }

    @Test("keep-alive and pipelining: requests sent together are answered in order on one connection; Connection: close ends it")
    func keepAliveAndPipelining() async throws {
        try await withRunningApp { r in
            // Given four requests in one write, two of them with bodies
            let connection = try RawConnection(port: r.port)
            let post =
                "POST /webhooks/oneflow/no-such-key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":\"b\\r\\n\"}"
            connection.send(
                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + post + post
                    + "GET /no-such-page HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n")
            // Then all are answered, in order (each body read as its own), and the connection stays open
            let both = await connection.read(for: .seconds(20)) { RawConnection.wholeAnswers(in: $0) >= 4 }
            let statuses = both.text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
            // (400: the receiver's answer to a body that is no notification; a body read wrong
            // would have broken the requests after it)
            #expect(statuses == ["200", "400", "400", "404"], "\(both.text)")
            let later = await connection.read(for: .milliseconds(300))
            #expect(!both.closed && !later.closed)
            // When a third asks to close
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            // Then it is answered and the connection ends
            await Self.expectLastAnswer(connection, status: 200)
        }
    }

    @Test("HEAD answers the headers of GET, Content-Length included, and no body; a Date and the server name come with every answer")
    func head() async throws {
        try await withRunningApp { r in
            // Given a HEAD and then a GET of the stylesheet on one connection
            let connection = try RawConnection(port: r.port)
            connection.send("HEAD /css/app.css HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = await connection.read(for: .seconds(20)) { $0.hasSuffix("\r\n\r\n") }.text
            connection.send("GET /css/app.css HTTP/1.1\r\nHost: x\r\n\r\n")
            let get = await connection.readAnswers(1)
            // Then the HEAD's length is the GET's, but nothing followed its headers
            let length = try #require(Self.header("content-length", in: get).flatMap(Int.init))
            #expect(length > 100)
            #expect(Self.header("content-length", in: head) == String(length))
            #expect(head.hasSuffix("\r\n\r\n"), "\(head.suffix(40))")
            #expect(get.hasPrefix("HTTP/1.1 200"))
            #expect(Self.header("server", in: get) == "hrbridge")
            #expect(Self.header("date", in: get)?.hasSuffix(" GMT") == true)
        }
    }

    @Test("a connection silent both ways for the idle timeout is closed")
    func idle() async throws {
        try await withRunningApp(["HTTP_IDLE_TIMEOUT_SECONDS": "1"]) { r in
            // Given a connection that says nothing
            let connection = try RawConnection(port: r.port)
            // Then the server ends it
            #expect(await connection.read(for: .seconds(20)).closed)
        }
    }

    @Test("the Date header is RFC 9110's form")
    func dateHeader() {
        var date = HTTPDate()
        let text = date.now()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let parsed = formatter.date(from: text)
        #expect(parsed.map { abs($0.timeIntervalSinceNow) < 5 } == true, "\(text)")
    }

    /// Reads until the server closes the connection (20 s at most): the answer has `status`,
    /// says `Connection: close`, and is the connection's last.
    static func expectLastAnswer(_ connection: RawConnection, status: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        let answer = await connection.read(for: .seconds(20))
        #expect(answer.text.hasPrefix("HTTP/1.1 \(status)"), "\(answer.text.prefix(40))", sourceLocation: sourceLocation)
        #expect(answer.text.lowercased().contains("connection: close"), sourceLocation: sourceLocation)
        #expect(answer.closed, sourceLocation: sourceLocation)
    }

    /// Sends 1 kB every 100 ms for up to 5 s; true when the server stopped taking them.
    static func cutOff(_ connection: RawConnection) async throws -> Bool {
        let kilobyte = [UInt8](repeating: 0x61, count: 1024)
        for _ in 0..<50 {
            guard connection.send(kilobyte) else { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func header(_ name: String, in answer: String) -> String? {
        answer.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name + ":") }
            .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
    }
}

import Foundation

/// A plain TCP client for requests an HTTP library will not send: a head announcing a body
/// that never comes, or a body trickled a byte at a time.
struct RawHTTP {
    let port: Int

    /// Sends `head`, then each byte of `trickle` `interval` apart; returns what the server
    /// answered (its status line and headers) as soon as it answers, or "" when it said nothing
    /// within `timeout` after the last byte (the test browser's 30 s).
    func exchange(_ head: String, trickle: [UInt8] = [], interval: Duration = .zero, timeout: Int = 30) async throws -> String {
        let fd = try open(timeout: timeout)
        defer { close(fd) }
        _ = Array(head.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        for byte in trickle {
            var b = byte
            if send(fd, &b, 1, Int32(MSG_NOSIGNAL)) < 0 { break }  // the server closed: it answered already
            let early = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if early > 0 { return String(decoding: buffer[..<early], as: UTF8.self) }
            try await Task.sleep(for: interval)
        }
        return await offTheCooperativePool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : ""
        }
    }

    private func open(timeout: Int) throws -> Int32 {
        let fd = try connectLoopback(port: port)
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }
}

/// Runs a blocking socket call on a thread of its own. On Swift's cooperative pool (one thread
/// per core, two here) two tests waiting for an answer held every thread, and the app under
/// test, whose routes run on that pool too, could not give the answer: the whole test process
/// stood still until their timeouts (CI failed so, twice, with ~20 s stalls).
func offTheCooperativePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

/// A TCP connection to `127.0.0.1:port`, as a socket descriptor.
func connectLoopback(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        throw POSIXError(.ECONNREFUSED)
    }
    return fd
}

/// One client connection held open across several steps, for what `RawHTTP.exchange` cannot
/// show: whether the server closed it, and what it answered on a connection it kept.
final class RawConnection: @unchecked Sendable {  // its descriptor only; one step at a time
    private let fd: Int32

    init(port: Int) throws {
        fd = try connectLoopback(port: port)
        // Reads wait at most 100 ms each, so `read(for:)` can look at its own deadline.
        var wait = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// False when the server no longer takes bytes (it closed the connection for good).
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Sends `bytes` one at a time, `interval` apart, until they are all sent or the server
    /// stops taking them; returns how many were sent.
    func trickle(_ bytes: [UInt8], interval: Duration) async throws -> Int {
        for (sent, byte) in bytes.enumerated() {
            guard send([byte]) else { return sent }
            try await Task.sleep(for: interval)
        }
        return bytes.count
    }

    /// What the server sent within `duration`, and whether it closed its side by then. Stops
    /// as soon as it has closed, or as soon as what arrived satisfies `enough`.
    func read(for duration: Duration, until enough: @escaping @Sendable (String) -> Bool = { _ in false }) async -> (text: String, closed: Bool) {
        await offTheCooperativePool { self.readBlocking(for: duration, until: enough) }
    }

    private func readBlocking(for duration: Duration, until enough: (String) -> Bool) -> (text: String, closed: Bool) {
        let end = ContinuousClock.now + duration
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < end {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer[..<n]
                if enough(String(decoding: received, as: UTF8.self)) { break }
            } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return (String(decoding: received, as: UTF8.self), true)
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    /// Reads until `count` whole answers (each framed by its `Content-Length`) have arrived.
    func readAnswers(_ count: Int, timeout: Duration = .seconds(20)) async -> String {
        await read(for: timeout) { Self.wholeAnswers(in: $0) >= count }.text
    }

    static func wholeAnswers(in text: String) -> Int {
        var rest = Substring(text)
        var answers = 0
        while let end = rest.range(of: "\r\n\r\n") {
            let head = rest[..<end.lowerBound].lowercased()
            let length =
                head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            let body = rest[end.upperBound...]
            // An interim answer (100 Continue) has no body whatever it says.
            let bodyless = head.hasPrefix("http/1.1 1")
            guard bodyless || body.utf8.count >= length else { break }
            rest = bodyless ? body : Substring(body.utf8.dropFirst(length))
            answers += 1
        }
        return answers
    }
}

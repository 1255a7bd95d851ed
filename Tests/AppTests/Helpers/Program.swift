import Foundation

/// A program run to its end by a test (`openssl`, `pg_dump`), on a thread of its own.
///
/// `Process.waitUntilExit` and reading a pipe to its end block the calling thread. On Swift's
/// cooperative pool — one thread per core, two here — a test waiting so held half of what
/// every app under test in the same process runs on; with `pg_dump` and `openssl` at once,
/// all of it, and unrelated tests timed out (`RawHTTP.swift`'s `offTheCooperativePool`).
struct Program: Sendable {
    struct Run: Sendable {
        var status: Int32
        var output: Data
    }

    struct CouldNotStart: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    let executable: String
    let arguments: [String]
    var directory: String? = nil

    /// Runs it with standard error discarded; returns its exit status and standard output.
    func run() async throws -> Run {
        let outcome: Result<Run, CouldNotStart> = await offTheCooperativePool { [self] in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                return .failure(CouldNotStart(description: "\(executable): \(error)"))
            }
            let data = Self.readToEnd(output.fileHandleForReading.fileDescriptor)
            process.waitUntilExit()
            return .success(Run(status: process.terminationStatus, output: data))
        }
        return try outcome.get()
    }

    /// Everything until the pipe's end, a read interrupted by a signal tried again.
    /// `FileHandle.readDataToEndOfFile` treats `EINTR` as fatal (`try!` inside Foundation), and
    /// the child's exit (`SIGCHLD`) can interrupt it: CI's test process crashed so.
    private static func readToEnd(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }
}

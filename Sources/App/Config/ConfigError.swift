/// A setting that stops start-up: its key and what is wrong, in one line.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var problem: String

    public init(key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "configuration error: \(key): \(problem)" }
}

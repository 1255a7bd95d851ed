import Vapor

extension Request {
    /// A whole-number query parameter within `range`, `value` when absent; 400 naming it otherwise.
    func queryNumber(_ name: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let text = query[String.self, at: name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw Abort(.badRequest, reason: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}

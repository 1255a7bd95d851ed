import Foundation

extension FileManager {
    /// Creates `path` (and its parents) readable by this user only, unless it exists: the data
    /// directory holds the SQLite file — employees' personal data and signed contracts — and
    /// the generated secrets, and under the usual umask 022 a new directory let every local
    /// user read the database. An existing directory keeps the mode its operator gave it.
    func createPrivateDirectory(atPath path: String) throws {
        try createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}

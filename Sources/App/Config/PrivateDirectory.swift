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

/// The SQLite file holds employees' personal data: created readable by this user only (its
/// -wal and -shm files take the database file's mode, https://sqlite.org/tempfiles.html).
/// An existing file keeps its mode.
enum PrivateFile {
    static func createIfMissing(atPath path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        close(fd)
    }
}

import Foundation
import Vapor

/// The files a serving `hrbridge` reads from its working directory besides `config/`: the
/// Leaf pages (`Resources/Views`), the OpenAPI document (`Resources/openapi.json`) and the
/// stylesheet and images (`Public`). Vapor looks for them there only when a page is
/// rendered, so a binary copied to a server without them started fine and then answered
/// every page with a bare 500. Checked at start-up instead, naming what is missing.
public enum ShippedFiles {
    /// One file of each directory a deployment must copy: missing, the whole directory is
    /// almost certainly missing.
    static let required: [(directory: KeyPath<DirectoryConfiguration, String>, file: String)] = [
        (\.viewsDirectory, "layout.leaf"),
        (\.resourcesDirectory, "openapi.json"),
        (\.publicDirectory, "css/app.css"),
    ]

    /// Where `hrbridge` must run: said by every start-up error about a missing file.
    static let whereToRun = """
        run hrbridge from a directory holding config/, Resources/ and Public/ \
        (the project's, or a copy of the three: README, "What a server needs")
        """

    /// Throws for the first required file that `directory` lacks.
    public static func check(_ directory: DirectoryConfiguration) throws(ConfigError) {
        for (folder, file) in required {
            let path = directory[keyPath: folder] + file
            guard !FileManager.default.fileExists(atPath: path) else { continue }
            throw ConfigError(key: "working directory", "\(path) not found; \(whereToRun)")
        }
    }
}

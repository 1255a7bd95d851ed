import Crypto
import Foundation
import Logging

/// Fills in the secrets that may be left empty on a first run: the master key and the admin
/// password are generated once into the data directory (mode 0600) and reused afterwards.
/// On PostgreSQL the master key is never generated (`missingOnPostgres`).
public enum GeneratedSecrets {
    static let masterKeyFile = "master.key"
    static let adminPasswordFile = "admin-password"

    /// - Returns: the configuration with both secrets set.
    public static func resolve(_ config: AppConfig, logger: Logger) throws(ConfigError) -> AppConfig {
        var config = config
        do {
            try FileManager.default.createPrivateDirectory(atPath: config.dataDirectory)
        } catch {
            throw ConfigError(key: "data.dir", "cannot create '\(config.dataDirectory)': \(error.localizedDescription)")
        }
        if config.security.masterKey.isEmpty {
            if config.database.kind == "postgres" { throw missingOnPostgres(config) }
            let (text, created) = try readOrCreate(config.dataDirectory + "/" + masterKeyFile, key: "security.master_key") {
                SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            }
            guard let key = try ConfigValidation.masterKey(text, key: "security.master_key (\(masterKeyFile))") else {
                throw ConfigError(key: "security.master_key", "\(masterKeyFile) in the data directory is empty")
            }
            config.security.masterKey = key
            if created {
                logger.warning(
                    "security.master_key is empty: generated one into \(config.dataDirectory)/\(masterKeyFile). Back it up: without it, stored tokens cannot be read. Set security.master_key in production."
                )
            }
        }
        if config.adminPassword.isEmpty {
            let (password, created) = try readOrCreate(config.dataDirectory + "/" + adminPasswordFile, key: "admin.password") {
                Array(0..<20).map { _ in "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789".randomElement()! }.map(String.init).joined()
            }
            config.adminPassword = password
            if created {
                // Shown once, on the terminal only, as DESIGN §3 asks; it stays in the data directory file.
                FileHandle.standardError.write(
                    Data(
                        """

                        ===============================================================
                         admin.password was empty; generated the admin password:
                             \(password)
                         (stored in \(config.dataDirectory)/\(adminPasswordFile); set admin.password to choose one)
                        ===============================================================

                        """.utf8))
            }
        }
        return config
    }

    /// Processes sharing a PostgreSQL database each have a data directory of their own: a key
    /// generated there would be this process's alone, and it could open none of the secrets
    /// the others sealed (every webhook answered 503). So there the key must be given.
    private static func missingOnPostgres(_ config: AppConfig) -> ConfigError {
        let earlier =
            FileManager.default.fileExists(atPath: config.dataDirectory + "/" + masterKeyFile)
            ? " (the key an earlier start generated is in \(config.dataDirectory)/\(masterKeyFile))" : ""
        return ConfigError(
            key: "security.master_key",
            "is required with PostgreSQL and never generated there: "
                + "set SECURITY_MASTER_KEY to the same 32-byte base64 key on every process\(earlier)")
    }

    private static func readOrCreate(_ path: String, key: String, make: () -> String) throws(ConfigError) -> (String, Bool) {
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            return (existing.trimmingCharacters(in: .whitespacesAndNewlines), false)
        }
        let value = make()
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600]
        )
        guard created else { throw ConfigError(key: key, "cannot write \(path)") }
        return (value, true)
    }
}

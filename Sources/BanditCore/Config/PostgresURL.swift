import Foundation

/// A `postgres://user:password@host:port/database?sslmode=…&connect_timeout=…` storage URL,
/// taken apart.
///
/// Parsed here, without any PostgreSQL library, so `validate` and the config loader can name
/// a bad URL before anything connects; the store builds its client from the same value.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values, with libpq's meaning: `prefer` and `require` encrypt without
    /// checking the certificate, the `verify-` modes check it.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Never encrypt; encrypt only if the server insists; encrypt if the server can; always encrypt.
        case disable, allow, prefer, require
        /// Always encrypt, and check that the certificate is signed by a trusted CA.
        case verifyCA = "verify-ca"
        /// `verifyCA`, and check that the certificate names the host.
        case verifyFull = "verify-full"
    }

    /// Host name or IP address, IPv6 without brackets.
    public var host: String
    /// TCP port; 5432 when the URL names none.
    public var port: Int
    /// The role to log in as.
    public var user: String
    /// Nil when the URL has none.
    public var password: String?
    /// The database to use; like libpq, the user's name when the URL has no path.
    public var database: String
    /// Whether and how the connection is encrypted; `prefer` when the URL says nothing.
    public var sslMode: SSLMode
    /// libpq's `connect_timeout`, in seconds: how long a new connection may take, from the TCP
    /// connect through authentication.
    public var connectTimeoutSeconds: Int

    /// libpq waits forever by default; a store that cannot connect must say so instead.
    public static let defaultConnectTimeoutSeconds = 10

    /// A URL from its parts, with libpq's defaults for the port, `sslmode` and a 10-second connect timeout.
    public init(
        host: String, port: Int = 5432, user: String, password: String? = nil, database: String,
        sslMode: SSLMode = .prefer, connectTimeoutSeconds: Int = PostgresURL.defaultConnectTimeoutSeconds
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// Whether `text` is meant as a PostgreSQL URL (it may still be malformed).
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Takes a URL apart, or says what is wrong with it (never repeating the password).
    public static func parse(_ text: String) -> Result<PostgresURL, ParseError> {
        guard isPostgres(text) else { return .failure(ParseError("does not start with postgres:// or postgresql://")) }
        guard let components = URLComponents(string: text) else {
            return .failure(ParseError("is not a valid URL (characters such as @ : / in a password must be %-encoded)"))
        }
        var host = components.host ?? ""
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
            return .failure(ParseError("names no host; expected postgres://user:password@host:port/database"))
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { return .failure(ParseError("has port \(port)")) }
        guard let user = components.user, !user.isEmpty else {
            return .failure(ParseError("names no user; expected postgres://user:password@host:port/database"))
        }
        // libpq connects to the database named like the user when the path is empty.
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.contains("/") else { return .failure(ParseError("has a path with more than a database name")) }
        let database = path.isEmpty ? user : path
        var sslMode = SSLMode.prefer
        var connectTimeout = defaultConnectTimeoutSeconds
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    let allowed = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    return .failure(ParseError("has sslmode=\(item.value ?? ""); expected one of \(allowed)"))
                }
                sslMode = mode
            case "connect_timeout":
                guard let seconds = item.value.flatMap(Int.init), seconds > 0 else {
                    return .failure(
                        ParseError(
                            "has connect_timeout=\(item.value ?? ""); expected a whole number of seconds above 0"))
                }
                connectTimeout = seconds
            default:
                return .failure(
                    ParseError(
                        "has the parameter \(item.name), which is not supported; only sslmode and connect_timeout are"))
            }
        }
        return .success(
            PostgresURL(
                host: host, port: port, user: user, password: components.password, database: database,
                sslMode: sslMode, connectTimeoutSeconds: connectTimeout))
    }

    /// Where it connects, for logs and error messages: no password.
    public var description: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(bracketed):\(port)/\(database)"
    }

    /// Why a text is not a usable PostgreSQL URL.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, to follow "the PostgreSQL URL" (`has sslmode=…; expected …`); never the password.
        public var description: String
        /// An error saying `description`.
        public init(_ description: String) { self.description = description }
    }
}

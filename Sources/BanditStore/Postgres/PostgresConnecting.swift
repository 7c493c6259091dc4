import BanditCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Turning a `PostgresURL` into postgres-nio configurations, and errors a person can act on.
enum PostgresConnecting {
    /// libpq's `sslmode` meanings: `prefer`/`require` encrypt without checking the
    /// certificate, `verify-ca` checks the chain, `verify-full` the chain and the host name.
    static func tlsConfiguration(_ mode: PostgresURL.SSLMode) -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return nil
        case .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        return tls
    }

    static func clientConfiguration(_ url: PostgresURL) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (url.sslMode, tlsConfiguration(url.sslMode)) {
            case (_, nil): .disable
            case (.allow, let tls?), (.prefer, let tls?): .prefer(tls)
            case (_, let tls?): .require(tls)
            }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls)
        // One keeper writes one batch at a time; reads for the dashboard may overlap it.
        configuration.options.maximumConnections = 4
        configuration.options.connectTimeout = .seconds(Int64(url.connectTimeoutSeconds))
        return configuration
    }

    /// One plain connection attempt, to learn *why* the server cannot be used (refused,
    /// unknown host, wrong password, no such database): the pool only retries quietly.
    static func probe(_ url: PostgresURL, logger: Logger) async -> String? {
        do {
            let tls: PostgresConnection.Configuration.TLS =
                switch (url.sslMode, tlsConfiguration(url.sslMode)) {
                case (_, nil): .disable
                case (.allow, let tls?), (.prefer, let tls?): .prefer(try NIOSSLContext(configuration: tls))
                case (_, let tls?): .require(try NIOSSLContext(configuration: tls))
                }
            var configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
                tls: tls)
            configuration.options.connectTimeout = .seconds(Int64(url.connectTimeoutSeconds))
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch {
            return describe(error)
        }
    }

    /// What went wrong, without the SQL or the password (postgres-nio hides everything in
    /// `description` for that reason; this keeps the parts that are safe and useful).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "an error"
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "the server answered: \(message)\(state)"
        case .connectionError:
            return error.underlying.map(describeConnectionFailure) ?? "the connection failed"
        case .serverClosedConnection, .uncleanShutdown:
            return "the server closed the connection"
        case .sslUnsupported:
            return "the server does not support TLS (use ?sslmode=disable or prefer)"
        default:
            return "\(error.code)"
        }
    }

    /// "Connection refused" rather than NIO's whole report of every address it tried.
    private static func describeConnectionFailure(_ error: any Error) -> String {
        guard let failure = error as? NIOConnectionError else { return "\(error)" }
        if failure.connectionErrors.isEmpty, failure.dnsAError != nil || failure.dnsAAAAError != nil {
            return "the host name \(failure.host) could not be resolved"
        }
        let reasons = failure.connectionErrors.map { attempt in
            (attempt.error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(attempt.error)"
        }
        return Set(reasons).sorted().joined(separator: "; ")
    }
}

import Foundation

/// Reads `proxy.json` into a validated `ProxyConfig`, or reports every problem found, each
/// named by its key path, its value and what is allowed.
public enum ConfigLoader {
    /// Reads the file at `path`; `${NAME}` values come from this process's environment.
    public static func load(path: String) throws(ConfigErrors) -> ProxyConfig {
        try load(path: path, environment: ProcessInfo.processInfo.environment)
    }

    /// Reads the file at `path`, with `${NAME}` values from `environment`.
    public static func load(path: String, environment: [String: String]) throws(ConfigErrors) -> ProxyConfig {
        let bytes = try ConfigFile.contents(path: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(bytes, baseDirectory: directory, environment: environment)
    }

    /// Reads a file's bytes; relative paths are taken from `baseDirectory`, `${NAME}` values from `environment`.
    public static func parse(
        _ bytes: [UInt8], baseDirectory: String, environment: [String: String] = [:]
    ) throws(ConfigErrors) -> ProxyConfig {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ConfigErrors([
                ConfigError(
                    keyPath: error.keyPath,
                    message: "invalid JSON at line \(error.line), column \(error.column): \(error.message)")
            ])
        }
        let reader = ConfigReader(environment: environment)
        let config = read(document, reader: reader, baseDirectory: baseDirectory)
        guard reader.errors.isEmpty, let config else {
            throw ConfigErrors(
                reader.errors.isEmpty ? [ConfigError(keyPath: "", message: "invalid configuration")] : reader.errors)
        }
        return config
    }

    private static func read(_ document: JSONValue, reader: ConfigReader, baseDirectory: String) -> ProxyConfig? {
        guard case .object = document else {
            reader.fail("", "the file holds \(document.typeName); expected a JSON object, {\"upstream\": …}")
            return nil
        }
        guard let root = reader.object(document, at: "", known: ConfigKeys.root) else { return nil }
        let upstream: UpstreamURL?
        if root["upstream"] == nil {
            reader.fail("upstream", "is required: the site behind the proxy, e.g. \"http://127.0.0.1:8000\"")
            upstream = nil
        } else {
            upstream = reader.string(root, "upstream", at: "").flatMap {
                parseUpstream($0, at: "upstream", reader: reader)
            }
        }
        var config = ProxyConfig(upstream: upstream ?? UpstreamURL(host: "127.0.0.1", port: 80))
        config.storage = .sqlite(path: resolve("bandits.sqlite", against: baseDirectory))

        if let listen = reader.string(root, "listen", at: "") {
            if let parsed = parseListen(listen) {
                config.listen = parsed
            } else {
                reader.fail(
                    "listen",
                    "\"\(listen)\" is not an address; expected host:port, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"")
            }
        }
        if let storage = reader.string(root, "storage", at: "") {
            config.storage = parseStorage(storage, baseDirectory: baseDirectory, reader: reader) ?? config.storage
        }
        if let interval = reader.integer(
            root, "flushIntervalMs", at: "", in: 10...3_600_000,
            what: "a whole number of milliseconds from 10 to 3600000")
        {
            config.flushIntervalMs = interval
        }
        if let token = reader.string(root, "adminToken", at: "") {
            if token.isEmpty {
                reader.fail("adminToken", "is empty; leave it out to allow loopback clients only, or give a token")
            } else {
                config.adminToken = token
            }
        }
        if let value = root["timeouts"] { config.timeouts = readTimeouts(value, reader: reader) }
        if let value = root["session"] { config.session = readSession(value, reader: reader) }
        if let value = root["exclude"] { config.exclude = readExclude(value, reader: reader) }
        if let value = root["limits"],
            let limits = reader.object(value, at: "limits", known: ConfigKeys.limits)
        {
            config.maxRequestBodyBytes = reader.integer(
                limits, "maxBodyBytes", at: "limits", in: 1...Int(Int64.max / 2), what: "a positive number of bytes")
            config.maxUpstreamConnections = reader.integer(
                limits, "maxUpstreamConnections", at: "limits", in: 1...1_000_000,
                what: "a number of connections from 1 to 1000000")
            config.newSessionsPerMinute = reader.integer(
                limits, "newSessionsPerMinute", at: "limits", in: 1...1_000_000,
                what: "a number of sessions per minute from 1 to 1000000")
        }
        if let proxies = reader.strings(root, "trustedProxies", at: "") {
            config.trustedProxies = proxies.enumerated().compactMap { index, text in
                guard let range = IPRange(text) else {
                    reader.fail(
                        "trustedProxies[\(index)]",
                        "\"\(text)\" is not an IP address or CIDR range (e.g. \"10.0.0.0/8\")")
                    return nil
                }
                return range
            }
        }
        if let host = reader.string(root, "hostHeader", at: "") {
            if let choice = ProxyConfig.HostHeader(rawValue: host) {
                config.hostHeader = choice
            } else {
                reader.fail("hostHeader", "\"\(host)\" is not allowed; expected \"client\" or \"upstream\"")
            }
        }
        if let value = root["upstreamTLS"],
            let tls = reader.object(value, at: "upstreamTLS", known: ConfigKeys.upstreamTLS)
        {
            if let file = reader.string(tls, "caFile", at: "upstreamTLS") {
                let path = resolve(file, against: baseDirectory)
                if FileManager.default.isReadableFile(atPath: path) {
                    config.upstreamCAFile = path
                } else {
                    reader.fail(
                        "upstreamTLS.caFile", "\"\(path)\" cannot be read; expected a PEM file of CA certificates")
                }
            }
            if config.upstream.scheme != "https" {
                reader.fail("upstreamTLS", "applies only to an https:// upstream")
            }
        }
        if let format = reader.string(root, "accessLog", at: "") {
            if let parsed = AccessLogFormat(rawValue: format) {
                config.accessLog = parsed
            } else {
                reader.fail("accessLog", "\"\(format)\" is not allowed; expected \"off\", \"text\" or \"json\"")
            }
        }
        if let cacheSafety = reader.bool(root, "cacheSafety", at: "") { config.cacheSafety = cacheSafety }
        if let value = root["experiments"] {
            var experiments = ExperimentConfigReader(reader: reader, session: config.session)
            experiments.responseTimeoutSeconds = config.timeouts.responseSeconds
            config.experiments = experiments.read(value)
        }
        return config
    }

    // MARK: sections

    private static func readTimeouts(_ value: JSONValue, reader: ConfigReader) -> Timeouts {
        var timeouts = Timeouts()
        guard let members = reader.object(value, at: "timeouts", known: ConfigKeys.timeouts) else { return timeouts }
        func seconds(_ key: String, allowZero: Bool = false) -> Double? {
            guard let value = reader.number(members, key, at: "timeouts") else { return nil }
            guard value.isFinite, allowZero ? value >= 0 : value > 0, value <= 86_400 else {
                reader.fail(
                    "timeouts.\(key)",
                    "\(reader.formatted(value)) is out of range; expected seconds, more than \(allowZero ? "or equal to " : "")0 and at most 86400"
                )
                return nil
            }
            return value
        }
        timeouts.connectSeconds = seconds("connectSeconds") ?? timeouts.connectSeconds
        timeouts.responseSeconds = seconds("responseSeconds") ?? timeouts.responseSeconds
        timeouts.idleSeconds = seconds("idleSeconds") ?? timeouts.idleSeconds
        timeouts.clientIdleSeconds = seconds("clientIdleSeconds") ?? timeouts.clientIdleSeconds
        timeouts.shutdownGraceSeconds =
            seconds("shutdownGraceSeconds", allowZero: true) ?? timeouts.shutdownGraceSeconds
        timeouts.tunnelIdleSeconds = seconds("tunnelIdleSeconds") ?? timeouts.tunnelIdleSeconds
        return timeouts
    }

    private static func readSession(_ value: JSONValue, reader: ConfigReader) -> SessionSettings {
        var session = SessionSettings()
        guard let members = reader.object(value, at: "session", known: ConfigKeys.session) else { return session }
        if let cookie = reader.string(members, "cookie", at: "session") {
            if Syntax.isToken(cookie) {
                session.cookie = cookie
            } else {
                reader.fail(
                    "session.cookie", "\"\(cookie)\" is not a valid cookie name (letters, digits and !#$%&'*+-.^_`|~)")
            }
        }
        if let secret = reader.string(members, "secret", at: "session") {
            if secret.utf8.count < 16 {
                reader.fail(
                    "session.secret",
                    "is \(secret.utf8.count) characters long; use at least 16 (or leave it out to have one generated and stored)"
                )
            } else {
                session.secret = secret
            }
        }
        if let previous = reader.strings(members, "previousSecrets", at: "session") {
            for (index, secret) in previous.enumerated() where secret.utf8.count < 16 {
                reader.fail(
                    "session.previousSecrets[\(index)]", "is \(secret.utf8.count) characters long; use at least 16")
            }
            session.previousSecrets = previous
        }
        if let days = reader.integer(members, "maxAgeDays", at: "session", in: 1...3650, what: "days from 1 to 3650") {
            session.maxAgeDays = days
        }
        if let auth = reader.string(members, "authCookie", at: "session") {
            if Syntax.isToken(auth) {
                session.authCookie = auth
            } else {
                reader.fail("session.authCookie", "\"\(auth)\" is not a valid cookie name")
            }
        }
        return session
    }

    private static func readExclude(_ value: JSONValue, reader: ConfigReader) -> ExcludeRules {
        var rules = ExcludeRules()
        guard let members = reader.object(value, at: "exclude", known: ConfigKeys.exclude) else {
            return rules
        }
        if let paths = reader.strings(members, "paths", at: "exclude") {
            for (index, path) in paths.enumerated() where !path.hasPrefix("/") {
                reader.fail("exclude.paths[\(index)]", "\"\(path)\" must start with \"/\"")
            }
            rules.paths = paths.filter { $0.hasPrefix("/") }
        }
        for key in ["regex", "userAgents"] {
            guard let pattern = reader.string(members, key, at: "exclude") else { continue }
            if pattern.isEmpty {
                reader.fail("exclude.\(key)", "is empty, which would match every request; leave it out instead")
            } else if let problem = ConfigRegex.problem(in: pattern) {
                reader.fail("exclude.\(key)", "\"\(pattern)\" is not a valid regular expression: \(problem)")
            } else if key == "regex" {
                rules.regex = pattern
            } else {
                rules.userAgents = pattern
            }
        }
        return rules
    }

    // MARK: values

    static func parseListen(_ text: String) -> HostPort? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        // Brackets hold an IPv6 address; otherwise a name or IPv4 address.
        let validHost =
            text.hasPrefix("[")
            ? IPRange.parseAddress(host)?.count == 16 : Syntax.isName(String(host), extra: "._-")
        guard validHost, !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText), (0...65535).contains(port)
        else { return nil }
        return HostPort(host: String(host), port: port)
    }

    /// An upstream's origin (`upstream`, or an arm's), or nil with an error at `keyPath`.
    static func parseUpstream(_ text: String, at keyPath: String, reader: ConfigReader) -> UpstreamURL? {
        let fail = { (why: String) -> UpstreamURL? in
            reader.fail(
                keyPath, "\"\(text)\" \(why); expected http[s]://host[:port], e.g. \"http://127.0.0.1:8000\"")
            return nil
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return fail("is not a URL")
        }
        guard scheme == "http" || scheme == "https" else { return fail("has scheme \(scheme)") }
        guard var host = components.host, !host.isEmpty else { return fail("has no host") }
        // Connecting needs the bare IPv6 address, as in `HostPort`.
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard components.user == nil, components.password == nil else {
            return fail("has a user name or password, which the proxy would not send; give only scheme, host and port")
        }
        guard components.path.isEmpty || components.path == "/" else {
            return fail(
                "has a path (\(components.path)); the proxy forwards every path as it is, so give only the origin")
        }
        guard components.query == nil, components.fragment == nil else { return fail("has a query or fragment") }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { return fail("has port \(port)") }
        return UpstreamURL(scheme: scheme, host: host, port: port)
    }

    private static func parseStorage(_ text: String, baseDirectory: String, reader: ConfigReader) -> StorageLocation? {
        if text == ":memory:" { return .memory }
        if PostgresURL.isPostgres(text) {
            if case .failure(let error) = PostgresURL.parse(text) {
                // The value itself is not repeated: it may hold a password.
                reader.fail("storage", "the PostgreSQL URL \(error)")
                return nil
            }
            return .postgres(url: text)
        }
        if text.isEmpty {
            reader.fail(
                "storage",
                "is empty; expected an SQLite file path, a postgres:// URL, or \":memory:\" to keep nothing")
            return nil
        }
        return .sqlite(path: resolve(text, against: baseDirectory))
    }

    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: directory.isEmpty ? "." : directory).appendingPathComponent(path)
            .standardizedFileURL
            .path
    }
}

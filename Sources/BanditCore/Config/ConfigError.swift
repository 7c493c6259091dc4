/// One problem in a configuration, named by its key path (`experiments[1].epsilon`).
public struct ConfigError: Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is; empty for the file as a whole.
    public var keyPath: String
    /// What is wrong and what is allowed.
    public var message: String

    public init(keyPath: String, message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { keyPath.isEmpty ? message : "\(keyPath): \(message)" }
}

/// Every problem found in a configuration, not just the first.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) { self.errors = errors }

    public var description: String { errors.map { "  - \($0)" }.joined(separator: "\n") }

    /// The error at a key path, if any (for tests and tools).
    public func error(at keyPath: String) -> ConfigError? { errors.first { $0.keyPath == keyPath } }
}

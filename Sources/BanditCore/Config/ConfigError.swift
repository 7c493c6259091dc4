/// One problem in a configuration, named by its key path (`experiments[1].epsilon`).
public struct ConfigError: Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is; empty for the file as a whole.
    public var keyPath: String
    /// What is wrong and what is allowed.
    public var message: String

    /// A problem at `keyPath` ("" for the file as a whole), described by `message`.
    public init(keyPath: String, message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    /// `keyPath: message`, or just the message for the file as a whole.
    public var description: String { keyPath.isEmpty ? message : "\(keyPath): \(message)" }
}

/// Every problem found in a configuration, not just the first.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// In the order they were found; never empty when thrown.
    public var errors: [ConfigError]

    /// Wraps the problems found, in order.
    public init(_ errors: [ConfigError]) { self.errors = errors }

    /// One problem per line, each indented as `  - keyPath: message`.
    public var description: String { errors.map { "  - \($0)" }.joined(separator: "\n") }

    /// The error at a key path, if any (for tests and tools).
    public func error(at keyPath: String) -> ConfigError? { errors.first { $0.keyPath == keyPath } }
}

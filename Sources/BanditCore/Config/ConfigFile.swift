#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a configuration file with plain POSIX calls, so that a failure names the operating
/// system's reason ("No such file or directory", "Permission denied", "Is a directory")
/// rather than Foundation's generic "The operation could not be completed".
enum ConfigFile {
    /// A config file is a few kilobytes; anything past this is not one.
    static let maxBytes = 16 << 20

    /// The file's bytes, or an error that names `path` and the reason.
    static func contents(path: String) throws(ConfigErrors) -> [UInt8] {
        func failure(_ reason: String) -> ConfigErrors {
            ConfigErrors([ConfigError(keyPath: "", message: "cannot read \(path): \(reason)")])
        }
        func osReason(_ code: Int32) -> String { String(cString: strerror(code)) }

        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw failure(osReason(errno)) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress, buffer.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(osReason(errno))
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            if bytes.count > maxBytes { throw failure("larger than \(maxBytes >> 20) MiB; not a configuration file") }
        }
    }
}

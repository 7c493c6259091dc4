import Foundation

/// A throw-away certificate authority and a `localhost` server certificate it signed, made
/// with the openssl command for tests of an https upstream.
struct TestCertificates {
    let directory: URL
    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }

    static let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let extensions = directory.appendingPathComponent("san.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(to: extensions, atomically: true, encoding: .utf8)
        try run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bandit-proxy test CA",
            "-keyout", directory.appendingPathComponent("ca.key").path, "-out", certificates.caFile,
        ])
        try run([
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", certificates.serverKey,
            "-out", directory.appendingPathComponent("server.csr").path,
        ])
        try run([
            "x509", "-req", "-in", directory.appendingPathComponent("server.csr").path, "-CA", certificates.caFile,
            "-CAkey", directory.appendingPathComponent("ca.key").path, "-CAcreateserial", "-days", "2",
            "-extfile", extensions.path, "-out", certificates.serverCertificate,
        ])
        return certificates
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl!)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .executableLoad, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments.first!) failed"])
        }
    }
}

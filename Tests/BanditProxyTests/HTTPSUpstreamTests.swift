import NIOSSL
import Testing

@testable import BanditProxy

/// An https upstream: the certificate is verified, a private CA can be added.
@Suite(.enabled(if: TestCertificates.openssl != nil, "openssl is not installed; .ci/run installs it"))
struct HTTPSUpstreamTests {
    func upstream(_ certificates: TestCertificates) async throws -> RecordingUpstream {
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate).map {
                .certificate($0)
            },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        return try await RecordingUpstream.start(tls: try NIOSSLContext(configuration: tls)) { _ in
            .init(body: "secure")
        }
    }

    @Test func requestsReachAnHTTPSUpstreamSignedByTheConfiguredCA() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let upstream = try await upstream(certificates)
        defer { Task { try await upstream.stop() } }
        let harness = try await ProxyHarness.start(configure: {
            $0.upstream = .init(scheme: "https", host: "localhost", port: upstream.port)
            $0.upstreamCAFile = certificates.caFile
        })
        defer { Task { await harness.runtime.shutdown() } }
        for _ in 0..<3 {
            let response = try await harness.get("/")
            #expect(response.status == 200)
            #expect(response.body == "secure")
        }
        #expect(upstream.requests.count == 3)
        #expect(upstream.requests.first?.header("X-Bandit-Headline") != nil, "the arm is injected over TLS too")
    }

    @Test func anUntrustedCertificateIsRefusedWith502() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let upstream = try await upstream(certificates)
        defer { Task { try await upstream.stop() } }
        let harness = try await ProxyHarness.start(configure: {
            $0.upstream = .init(scheme: "https", host: "localhost", port: upstream.port)
        })
        defer { Task { await harness.runtime.shutdown() } }
        #expect(try await harness.get("/").status == 502)
        #expect(upstream.requests.isEmpty)
    }
}

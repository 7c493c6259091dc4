import NIOCore
import Testing

@testable import BanditProxy

/// WebSocket and other upgrades: the handshake goes through, then bytes flow both ways.
@Suite struct UpgradeTunnelTests {
    func start() async throws -> (ProxyHarness, any Channel) {
        let echo = try await UpgradeEchoServer.start()
        let harness = try await ProxyHarness.start(configure: { $0.upstream.port = echo.localAddress!.port! })
        return (harness, echo)
    }

    static let handshake =
        "GET /socket HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: echo\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"

    @Test func theHandshakeIsForwardedAndBytesAreTunnelledBothWays() async throws {
        let (harness, echo) = try await start()
        defer {
            Task {
                try await harness.stop(); try await echo.close()
            }
        }
        let answer = try await RawConnection.exchange(port: harness.port, send: Self.handshake + "hello, quit")
        #expect(answer.hasPrefix("HTTP/1.1 101 Switching Protocols"), "\(answer.prefix(80))")
        #expect(answer.lowercased().contains("upgrade: echo"))
        #expect(answer.hasSuffix("\r\n\r\nhello, quit"), "\(answer.suffix(40))")
    }

    @Test func largePayloadsCrossTheTunnelWhole() async throws {
        let (harness, echo) = try await start()
        defer {
            Task {
                try await harness.stop(); try await echo.close()
            }
        }
        let payload = String(repeating: "0123456789", count: 200_000)  // 2 MB each way
        let answer = try await RawConnection.exchange(
            port: harness.port, send: Self.handshake + payload + "quit", timeout: .seconds(20))
        let body = answer.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(body.utf8.count == payload.utf8.count + 4)
        #expect(body.hasSuffix("89quit"))
    }

    @Test func aSiteThatDeclinesTheUpgradeAnswersNormally() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let answer = try await RawConnection.exchange(
                port: harness.port, send: Self.handshake, timeout: .seconds(10))
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(80))")
            #expect(
                answer.lowercased().contains("connection: close"), "its parser stopped at the upgrade: it must close")
            #expect(harness.upstream.requests.last?.header("Upgrade") == "echo", "the upgrade was asked for upstream")
        }
    }
}

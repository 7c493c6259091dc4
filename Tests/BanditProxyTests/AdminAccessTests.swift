import BanditCore
import Testing

/// Who may use `/__bandits` without `adminToken`: loopback clients only, as seen through
/// the proxies in front (README's deployment puts one there), over real sockets.
@Suite struct AdminAccessTests {
    /// Every admin route and method: pages, API, CSV, metrics and each action.
    static let routes: [(method: String, path: String)] = [
        ("GET", "/__bandits"), ("HEAD", "/__bandits"), ("GET", "/__bandits/experiments/headline"),
        ("GET", "/__bandits/api/experiments"), ("GET", "/__bandits/api/experiments/headline"),
        ("GET", "/__bandits/api/experiments/headline/series.csv"),
        ("GET", "/__bandits/api/experiments/headline/history"), ("GET", "/__bandits/metrics"),
        ("POST", "/__bandits/api/experiments/headline/pause"), ("POST", "/__bandits/api/experiments/headline/resume"),
        ("POST", "/__bandits/api/experiments/headline/reset"),
        ("POST", "/__bandits/api/experiments/headline/winner"),
    ]

    /// The status `/__bandits` answers for each route, sent from `source` with `headers`.
    func statuses(
        _ harness: ProxyHarness, from source: String = "127.0.0.1", headers: [(String, String)]
    ) async throws -> [String: Int] {
        var statuses: [String: Int] = [:]
        for (method, path) in Self.routes {
            let body = method == "POST" && path.hasSuffix("winner") ? "{\"arm\": \"bold\"}" : ""
            var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            request += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            let answer = try await RawConnection.exchange(
                port: harness.port, send: request, timeout: .seconds(30), from: source)
            statuses["\(method) \(path)"] = Int(answer.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        return statuses
    }

    func expectAll(_ statuses: [String: Int], _ expected: Int, _ comment: Comment) {
        #expect(statuses.count == Self.routes.count)
        for (route, status) in statuses.sorted(by: { $0.key < $1.key }) {
            #expect(status == expected, "\(route): \(comment)")
        }
    }

    func expectAllAllowed(_ statuses: [String: Int], _ comment: Comment) {
        for (route, status) in statuses.sorted(by: { $0.key < $1.key }) {
            #expect((200..<300).contains(status), "\(route): \(comment)")
        }
    }

    @Test func aDirectLoopbackClientMayUseEveryRoute() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            expectAllAllowed(try await statuses(harness, headers: []), "direct loopback client")
        }
    }

    @Test func aLoopbackFrontProxyForwardingAnOutsideVisitorIsRefused() async throws {
        // README's deployment: nginx on this host, the default trustedProxies (loopback).
        try await withProxy(await ProxyHarness.start()) { harness in
            for header in [
                ("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9;proto=https"),
                ("X-Real-IP", "203.0.113.9"), ("X-Forwarded-For", "203.0.113.9, 127.0.0.1"),
                ("Forwarded", "for=\"[2001:db8::7]:4711\""),
            ] {
                expectAll(try await statuses(harness, headers: [header]), 403, "\(header)")
            }
            let state = harness.runtime.engine.experiment(named: "headline")!.state
            #expect(state.status == .running && state.winner == nil && state.generation == 0, "nothing was acted on")
        }
    }

    @Test func aLoopbackFrontProxyForwardingALoopbackClientIsLetIn() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            expectAllAllowed(
                try await statuses(harness, headers: [("X-Forwarded-For", "127.0.0.1")]), "forwarded loopback")
        }
    }

    @Test func withoutTrustedProxiesAForwardedRequestIsRefused() async throws {
        // Nobody trusted: the headers cannot name the client, but they say it is not the peer.
        try await withProxy(await ProxyHarness.start(configure: { $0.trustedProxies = [] })) { harness in
            expectAll(
                try await statuses(harness, headers: [("X-Forwarded-For", "203.0.113.9")]), 403, "untrusted relay")
            expectAll(
                try await statuses(harness, headers: [("X-Forwarded-For", "127.0.0.1")]), 403,
                "an untrusted peer's headers never grant access")
            expectAllAllowed(try await statuses(harness, headers: []), "the loopback peer itself")
        }
    }

    @Test func aTrustedFrontProxyNamesTheClient() async throws {
        // The front proxy connects from 127.0.0.2 and is the only trusted peer.
        try await withProxy(await ProxyHarness.start(configure: { $0.trustedProxies = [IPRange("127.0.0.2")!] })) {
            harness in
            expectAll(
                try await statuses(harness, from: "127.0.0.2", headers: [("X-Forwarded-For", "198.51.100.4")]), 403,
                "an outside visitor through the trusted proxy")
            expectAllAllowed(
                try await statuses(harness, from: "127.0.0.2", headers: [("X-Forwarded-For", "127.0.0.1")]),
                "a loopback client through the trusted proxy")
            expectAll(
                try await statuses(
                    harness, from: "127.0.0.2", headers: [("X-Forwarded-For", "127.0.0.1, 198.51.100.4")]), 403,
                "the right-most untrusted hop is the client; a spoofed first hop is ignored")
        }
    }

    @Test func spoofedHeadersFromAnUntrustedPeerGrantNothing() async throws {
        // 127.0.0.3 is not trusted; what it says of its client is not believed.
        try await withProxy(await ProxyHarness.start(configure: { $0.trustedProxies = [IPRange("127.0.0.2")!] })) {
            harness in
            for header in [("X-Forwarded-For", "127.0.0.1"), ("X-Real-IP", "::1"), ("Forwarded", "for=127.0.0.1")] {
                expectAll(try await statuses(harness, from: "127.0.0.3", headers: [header]), 403, "\(header)")
            }
        }
    }

    @Test func withATokenForwardedClientsStillNeedIt() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.adminToken = "s3cret-token" })) { harness in
            expectAll(try await statuses(harness, headers: [("X-Forwarded-For", "203.0.113.9")]), 401, "no token")
            expectAllAllowed(
                try await statuses(
                    harness, headers: [("X-Forwarded-For", "203.0.113.9"), ("Authorization", "Bearer s3cret-token")]),
                "token given")
        }
    }
}

/// The rule itself, for peers no loopback socket can stand for.
@Suite struct ForwardedClientTests {
    let trusted = [IPRange("10.0.0.0/8")!]

    @Test func aTrustedNonLoopbackProxyNamesItsClient() {
        let outside = ForwardedClient(
            peer: "10.1.2.3", headers: [("X-Forwarded-For", "203.0.113.9, 10.0.0.7")], trustedProxies: trusted)
        #expect(outside.address == "203.0.113.9")
        #expect(!outside.isLoopback)
        let local = ForwardedClient(peer: "10.1.2.3", headers: [("X-Real-IP", "127.0.0.1")], trustedProxies: trusted)
        #expect(local.isLoopback)
        let chainOfTrusted = ForwardedClient(
            peer: "10.1.2.3", headers: [("X-Forwarded-For", "10.0.0.9, 10.0.0.7")], trustedProxies: trusted)
        #expect(chainOfTrusted.address == "10.0.0.9")
    }

    @Test func anUntrustedPeerWithoutHeadersIsItself() {
        let client = ForwardedClient(peer: "198.51.100.4", headers: [], trustedProxies: trusted)
        #expect(client.address == "198.51.100.4")
        #expect(!client.isLoopback)
        #expect(ForwardedClient(peer: "::ffff:127.0.0.1", headers: [], trustedProxies: []).isLoopback)
    }

    @Test func headersThatDisagreeOrCannotBeReadAreNotLoopback() {
        let disagree = ForwardedClient(
            peer: "10.1.2.3", headers: [("X-Forwarded-For", "127.0.0.1"), ("X-Real-IP", "203.0.113.9")],
            trustedProxies: trusted)
        #expect(!disagree.isLoopback)
        for value in ["unknown", "_hidden", "", "localhost"] {
            let client = ForwardedClient(
                peer: "10.1.2.3", headers: [("Forwarded", "for=\(value)")], trustedProxies: trusted)
            #expect(!client.isLoopback, "for=\(value)")
            #expect(client.address == nil, "for=\(value)")
        }
        #expect(ForwardedClient(peer: nil, headers: [], trustedProxies: trusted).address == nil)
    }

    @Test func forwardedNodesWithPortsAndQuotesAreRead() {
        let v6 = ForwardedClient(
            peer: "10.1.2.3", headers: [("Forwarded", "for=\"[::1]:4711\";proto=https")], trustedProxies: trusted)
        #expect(v6.address == "::1")
        #expect(v6.isLoopback)
        let v4 = ForwardedClient(
            peer: "10.1.2.3", headers: [("Forwarded", "for=192.0.2.60:80, for=10.0.0.5")], trustedProxies: trusted)
        #expect(v4.address == "192.0.2.60")
    }

    @Test func validateWarnsWhenTheAdminIsReachableWithoutAToken() {
        var config = ProxyConfig(
            listen: HostPort(host: "0.0.0.0", port: 8080), upstream: UpstreamURL(host: "127.0.0.1", port: 8000))
        #expect(config.securityWarnings.count == 1)
        #expect(config.securityWarnings.first?.contains("adminToken") == true)
        config.adminToken = "t"
        #expect(config.securityWarnings.isEmpty)
        config.adminToken = nil
        config.listen = HostPort(host: "127.0.0.1", port: 8080)
        #expect(config.securityWarnings.isEmpty)
    }
}

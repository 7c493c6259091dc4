import Testing

/// The engine used to find `?`, `&` and `=` as Swift `Character`s, and a combining mark right
/// after one fuses with it into a different Character: the query went unseen, and a client's
/// own `cta` or `bandit_force_…` would reach the site, which splits the query by bytes (found
/// by `ExperimentParameterProperties`). Today NIO's HTTP/1.1 parser refuses raw non-ASCII
/// bytes in a request target with 400, so it never reached the engine; this keeps both
/// layers honest: such a request is refused, or proxied without the smuggled parameter.
@Suite struct QueryDelimiterTests {
    @Test(arguments: [
        "/pricing/?\u{301}&cta=green", "/pricing/?page=1&\u{301}=x&cta=green", "/pricing/?cta=\u{301}green",
        "/about/?\u{301}&bandit_force_cta=green", "/about/?bandit_force_cta=\u{301}green",
    ])
    func aCombiningMarkAfterADelimiterDoesNotSmuggleAParameterPast(target: String) async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let answer = try await RawConnection.exchange(
                port: harness.port, send: "GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if answer.hasPrefix("HTTP/1.1 400") {
                #expect(harness.upstream.requests.isEmpty)
                return
            }
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(40))")
            let seen = try #require(harness.upstream.requests.last?.uri)
            let bytes = Array(seen.utf8)
            let query = bytes.firstIndex(of: UInt8(ascii: "?")).map { bytes[($0 + 1)...] } ?? []
            let names = query.split(separator: UInt8(ascii: "&")).map { item in
                String(decoding: item.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self)
            }
            #expect(!names.contains { $0.utf8.starts(with: "bandit_force_".utf8) }, "\(seen)")
            let sent = query.split(separator: UInt8(ascii: "&")).filter { $0.starts(with: Array("cta=".utf8)) }.map {
                String(decoding: $0.dropFirst(4), as: UTF8.self)
            }
            // The source page gets exactly one copy, the arm the proxy assigned; other pages none.
            let assigned = harness.counts("cta").firstIndex { $0.assignments == 1 }.map { ProxyHarness.cta.arms[$0] }
            #expect(sent == (target.hasPrefix("/pricing/") ? [assigned ?? "?"] : []), "\(seen)")
        }
    }
}

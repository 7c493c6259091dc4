import Testing

@testable import BanditCore

@Suite struct IPRangeTests {
    @Test(arguments: [
        ("127.0.0.0/8", "127.0.0.1", true), ("127.0.0.0/8", "128.0.0.1", false), ("10.1.2.3", "10.1.2.3", true),
        ("10.1.2.3", "10.1.2.4", false), ("192.168.0.0/16", "192.168.255.1", true), ("0.0.0.0/0", "8.8.8.8", true),
        ("::1", "::1", true), ("::1", "::2", false), ("2001:db8::/32", "2001:db8:1::5", true),
        ("2001:db8::/32", "2001:db9::1", false), ("127.0.0.0/8", "::ffff:127.0.0.1", true),
        ("fe80::/10", "fe80::1%eth0", true),
    ])
    func containment(range: String, address: String, expected: Bool) throws {
        let parsed = try #require(IPRange(range))
        #expect(parsed.contains(address) == expected)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4/33", "256.1.1.1", "::1::2", "1:2:3:4:5:6:7:8:9", "abc", "1.2.3.4/x", "::/129",
    ])
    func invalidRangesAreRejected(text: String) {
        #expect(IPRange(text) == nil)
    }
}

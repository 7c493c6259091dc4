import Synchronization
import Testing

/// A 50 MiB HTML page passes through an arm's `html` edits as it streams: edited at its start
/// and at its end, every byte delivered, the first bytes with the visitor long before the
/// upstream has sent the last, and the proxy's memory flat (#10: "a 50 MiB page must not grow
/// the proxy by more than a few MiB").
///
/// The proxy is the real binary in its own process, measured as `LargeBodyStreamingTests`
/// measures it. Measured on a 2-core machine in a debug build: under a second for the page;
/// the proxy's resident memory (about 37 MiB) grows by 0.6 to 0.9 MiB.
@Suite(.serialized) struct EditedPageStreamingTests {
    static let size = 50 << 20
    /// Allowed growth of the proxy's resident memory over the page: a few MiB, where holding
    /// the page would take 50.
    static let memoryLimitKiB = 8 << 10

    static let newHeadline = "Ship faster. Today."
    static let appended = #"<p id="appended">Added at the end of the body</p>"#
    static let experiment = """
        {"name": "headline", "source": "/page/*", "target": "/contact/", "algorithm": "uniform",
         "weights": [0, 1], "arms": ["control", {"name": "edited", "html": [
            {"selector": "h1#headline", "text": "\(newHeadline)"},
            {"selector": "body", "append": \(jsonString(appended))}]}]}
        """

    @Test func aFiftyMiBPageIsEditedAsItStreamsInFlatMemory() async throws {
        let upstream = try await StreamingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(
            upstreamPort: upstream.port, settings: #""storage": ":memory:""#, experiments: [Self.experiment])
        defer { proxy.stop() }
        let warmUp = try await StreamingClient.download(
            port: proxy.port, path: "/page/100000", received: ByteCounter(), checksPattern: false)
        #expect(String(decoding: warmUp.first, as: UTF8.self).contains(Self.newHeadline), "the edit applies")

        let received = ByteCounter()
        let start = upstream.sent.value
        let pageBytes = StreamedPage.byteCount(forSize: Self.size)
        // How much of the page the upstream had sent when the visitor's first bytes arrived.
        let sentAtFirstBytes = FirstSeen()
        let (outcome, figures) = try await TransferFigures.measure(
            pid: proxy.process.processIdentifier,
            ahead: {
                let sent = upstream.sent.value - start
                if received.value > 0 { sentAtFirstBytes.record(sent) }
                return sent - received.value
            }
        ) {
            try await StreamingClient.download(
                port: proxy.port, path: "/page/\(Self.size)", received: received, checksPattern: false)
        }
        #expect(outcome.status == 200)
        let first = String(decoding: outcome.first, as: UTF8.self)
        let last = String(decoding: outcome.last, as: UTF8.self)
        #expect(first.contains(#"<h1 id="headline">\#(Self.newHeadline)</h1>"#), "\(first.prefix(300))")
        #expect(last.hasSuffix(Self.appended + "</body></html>\n"), "\(last.suffix(300))")
        let growth = Self.newHeadline.utf8.count - "Old headline".utf8.count + Self.appended.utf8.count
        #expect(outcome.bytes == pageBytes + growth, "every byte of the page, and only the edits' changes")
        #expect(figures.growthKiB < Self.memoryLimitKiB, "\(figures)")
        #expect(
            (sentAtFirstBytes.value ?? pageBytes) < pageBytes / 2,
            "the first bytes reached the visitor before the upstream had sent half the page")
    }

    private static func jsonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// The first value recorded, from any thread.
private final class FirstSeen: Sendable {
    private let first = Mutex<Int?>(nil)

    func record(_ value: Int) { first.withLock { $0 = $0 ?? value } }
    var value: Int? { first.withLock { $0 } }
}

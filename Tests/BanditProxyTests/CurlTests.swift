import Foundation
import Testing

@testable import BanditProxy

/// The main path through an independent client: curl with a cookie jar, like a browser.
@Suite struct CurlTests {
    static let curl = ["/usr/bin/curl", "/usr/local/bin/curl"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static func curl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: curl!)
        process.arguments = ["--silent", "--show-error"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: curl != nil, "curl is not installed; .ci/run installs it (apt-get install curl)"))
    func aBrowserLikeClientIsCountedOnceAndSticksToItsArm() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.adminToken = "curl-token" })) { harness in
            let jar = FileManager.default.temporaryDirectory.appendingPathComponent("jar-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: jar) }
            let base = "http://127.0.0.1:\(harness.port)"
            for _ in 0..<3 { _ = try Self.curl(["-c", jar, "-b", jar, "\(base)/"]) }
            let arms = Set(harness.upstream.requests.compactMap { $0.header("X-Bandit-Headline") })
            #expect(arms.count == 1)
            _ = try Self.curl(["-c", jar, "-b", jar, "\(base)/contact/"])
            #expect(harness.totalViews("headline") == 1)
            #expect(harness.totalConversions("headline") == 1)

            let json = try Self.curl(["-u", "admin:curl-token", "\(base)/__bandits/api/experiments/headline"])
            #expect(json.contains("\"conversions\" : 1"))
            let denied = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "\(base)/__bandits/api/experiments"])
            #expect(denied == "401")
        }
    }
}

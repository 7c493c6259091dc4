import BanditCore
import BanditStore
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import BanditProxy

/// The real `bandit-proxy` binary, as a user runs it.
@Suite(.serialized) struct CommandLineTests {
    /// Built by `swift test` next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "bandit-proxy")
    }

    struct Outcome {
        var status: Int32
        var output: String
    }

    static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bandit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func validateAcceptsTheSampleConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The sample reads the admin token from the environment; give it one via a copy without it.
        let sample = try String(contentsOf: root.appendingPathComponent("proxy.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"${BANDIT_ADMIN_TOKEN}\"", with: "\"token\"")
        let path = directory.appendingPathComponent("proxy.json").path
        try sample.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try Self.run(["validate", "--config", path])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("OK"))
    }

    @Test func validateNamesTheKeyPathOfEveryProblem() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.json").path
        try """
        {"upstream": "http://127.0.0.1:8000",
         "experiments": [{"name": "a", "source": "/", "target": "/t", "algorithm": "telepathy"},
                         {"name": "b", "source": "/x", "target": "/y", "algorithm": "epsilon-greedy", "epsilon": 1.5,
                          "guardrails": {"maxErrorRate": 1, "maxSlowRate": 0.05}}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try Self.run(["validate", "--config", path])
        #expect(outcome.status != 0)
        #expect(outcome.output.contains("experiments[0].algorithm"), "\(outcome.output)")
        #expect(outcome.output.contains("experiments[1].epsilon"), "\(outcome.output)")
        #expect(outcome.output.contains("experiments[1].guardrails.maxErrorRate"), "\(outcome.output)")
        #expect(outcome.output.contains("experiments[1].guardrails.maxSlowRate: needs slowMs"), "\(outcome.output)")
    }

    @Test func aMissingFileIsNamed() throws {
        let outcome = try Self.run(["validate", "--config", "/nonexistent/proxy.json"])
        #expect(outcome.status != 0)
        #expect(outcome.output.contains("/nonexistent/proxy.json"))
    }

    @Test func sigtermFlushesEveryCountAndExitsZero() async throws {
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(
            upstreamPort: upstream.port, settings: #""storage": "state.sqlite", "flushIntervalMs": 60000"#,
            logLevel: "error")
        defer { proxy.stop() }
        let (process, port, directory) = (proxy.process, proxy.port, proxy.directory)

        for _ in 0..<7 {
            _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/")
        }
        // The flush interval is a minute: only the SIGTERM flush can have written these.
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)

        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("state.sqlite").path)
        let stored = try await store.load()
        await store.close()
        let views = stored.experiments["headline"]?.arms.values.reduce(0) { $0 + $1.views }
        #expect(views == 7)
    }

    @Test func demoRunsASiteAnExperimentAndVisitorsWithOneCommand() async throws {
        let port = try await Self.freePort()
        let outcome = try Self.run([
            "demo", "--port", "\(port)", "--visitors", "60", "--visitors-per-second", "200", "--log-level", "error",
        ])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("http://127.0.0.1:\(port)/__bandits"))
        #expect(outcome.output.contains("60 visitors"), "\(outcome.output)")
    }

    @Test func sigkillLosesAtMostTheLastFlushIntervalAndNeverDoubleCounts() async throws {
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(
            upstreamPort: upstream.port, settings: #""storage": "state.sqlite", "flushIntervalMs": 50"#,
            logLevel: "error")
        defer { proxy.stop() }
        let (process, port, directory) = (proxy.process, proxy.port, proxy.directory)

        for _ in 0..<10 { _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/") }
        let path = directory.appendingPathComponent("state.sqlite").path
        let onDisk = try await eventually {
            let store = try await SQLiteStore.open(path: path)
            let views = try await store.load().experiments["headline"]?.arms.values.reduce(0) { $0 + $1.views }
            await store.close()
            return views == 10
        }
        #expect(onDisk, "the first ten views are on disk")
        for _ in 0..<10 { _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/") }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        let store = try await SQLiteStore.open(path: directory.appendingPathComponent("state.sqlite").path)
        let views = try await store.load().experiments["headline"]?.arms.values.reduce(0) { $0 + $1.views } ?? 0
        await store.close()
        #expect(views >= 10, "everything older than a flush interval survived")
        #expect(views <= 20, "nothing was invented or counted twice")
    }

    @Test func hostileInputLeavesTheProxyServingWithMemoryBackNearWhereItStarted() async throws {
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(
            upstreamPort: upstream.port,
            // Short enough that a stalled request is given up within a round, long enough that a
            // busy machine's scheduling never turns an ordinary request into a timeout.
            settings: #""storage": ":memory:", "timeouts": {"clientIdleSeconds": 2, "responseSeconds": 10}"#,
            logLevel: "critical")
        defer { proxy.stop() }
        let (process, port) = (proxy.process, proxy.port)

        for _ in 0..<200 { _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/") }
        let before = try #require(Self.residentKiB(process.processIdentifier))

        let huge = String(repeating: "h", count: 100 * 1024)
        let hostile = [
            "GARBAGE\r\n\r\n", "\u{0}\u{1}\u{2}\u{3}\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(huge)\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort", "GET / HTTP/9.9\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ]
        for round in 0..<8 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for request in hostile {
                    group.addTask {
                        _ = try await RawConnection.exchange(port: port, send: request, timeout: .seconds(3))
                    }
                }
                try await group.waitForAll()
            }
            #expect(process.isRunning, "alive after round \(round)")
        }
        #expect(!upstream.requests.contains { $0.uri == "/smuggled" }, "nothing was smuggled")
        for _ in 0..<200 {
            #expect(try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/").status == 200)
        }
        let after = try #require(Self.residentKiB(process.processIdentifier))
        #expect(after - before < 16 * 1024, "resident memory grew from \(before) KiB to \(after) KiB")
    }

    @Test func theAccessLogWritesOneJSONLinePerRequest() async throws {
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(
            upstreamPort: upstream.port, settings: #""storage": ":memory:", "accessLog": "json""#, logLevel: "error",
            captureOutput: true)
        defer { proxy.stop() }
        let (process, port) = (proxy.process, proxy.port)
        for path in ["/", "/about/?x=1", "/contact/"] {
            _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: path)
        }
        process.terminate()
        let data = proxy.output!.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("{") }
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let proxied = records.filter { ($0["uri"] as? String)?.hasPrefix("/__bandits") == false }
        #expect(proxied.map { $0["uri"] as? String } == ["/", "/about/?x=1", "/contact/"], "\(lines)")
        let first = try #require(proxied.first)
        #expect(first["method"] as? String == "GET")
        #expect(first["status"] as? Int == 200)
        #expect(first["client"] as? String == "127.0.0.1")
        #expect((first["duration"] as? Double).map { $0 >= 0 } == true)
        #expect(first["upstream"] is Double)
        #expect(["control", "bold"].contains((first["arms"] as? [String: String])?["headline"] ?? ""))
        let propensity = (first["propensities"] as? [String: Double])?["headline"]
        #expect(propensity.map { $0 > 0 && $0 <= 1 } == true, "the assignment's propensity is logged: \(first)")
    }

    @Test func sighupReloadsTheConfigurationAndABadFileIsRefused() async throws {
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(
            upstreamPort: upstream.port, settings: #""storage": "state.sqlite", "flushIntervalMs": 50"#,
            logLevel: "info", captureErrors: true)
        defer { proxy.stop() }
        let (process, port) = (proxy.process, proxy.port)
        for _ in 0..<3 { _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/") }

        let footer = #"{"name": "footer", "source": "/about/", "target": "/contact/", "arms": ["a", "b"]}"#
        try proxy.writeConfig(experiments: [RunningBinary.headline, footer])
        kill(process.processIdentifier, SIGHUP)
        var experiments: [[String: Any]] = []
        for _ in 0..<100 where experiments.count < 2 {
            try await Task.sleep(for: .milliseconds(50))
            experiments = try await Self.experiments(port: port)
        }
        #expect(experiments.map { $0["name"] as? String } == ["headline", "footer"])
        #expect(Self.views(experiments.first) == 3, "counts carried over")

        try "{ not json".write(toFile: proxy.configPath, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(process.isRunning)
        _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/about/")
        #expect(upstream.requests.last?.header("X-Bandit-Footer") != nil, "the previous file keeps serving")
        experiments = try await Self.experiments(port: port)
        #expect(experiments.map { $0["name"] as? String } == ["headline", "footer"])

        process.terminate()
        let log = String(decoding: proxy.errors!.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(log.contains("configuration reloaded"), "\(log)")
        #expect(log.contains("reload refused"), "\(log)")
    }

    static func experiments(port: Int) async throws -> [[String: Any]] {
        let response = try await SimpleHTTPClient.request(
            host: "127.0.0.1", port: port, path: "/__bandits/api/experiments")
        let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return body?["experiments"] as? [[String: Any]] ?? []
    }

    static func views(_ experiment: [String: Any]?) -> Int {
        (experiment?["arms"] as? [[String: Any]] ?? []).compactMap { $0["views"] as? Int }.reduce(0, +)
    }

    /// VmRSS of a process, from /proc (Linux).
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
    }

    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    static func waitUntilListening(port: Int) async throws {
        for _ in 0..<200 {
            if (try? await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/__bandits/health")) != nil {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("bandit-proxy did not start listening on \(port)")
    }
}

/// The real `bandit-proxy` binary serving a config with the `headline` experiment, written
/// to a temporary folder (where a relative `storage` lands too).
final class RunningBinary {
    let process = Process()
    let port: Int
    let directory: URL
    let output: Pipe?
    /// Standard error (the log), when asked for.
    let errors: Pipe?
    let configPath: String
    private let upstreamPort: Int
    private let settings: String

    static let headline = #"{"name": "headline", "source": "/", "target": "/contact/", "arms": ["control", "bold"]}"#

    private init(port: Int, directory: URL, upstreamPort: Int, settings: String, output: Pipe?, errors: Pipe?) {
        self.port = port
        self.directory = directory
        self.upstreamPort = upstreamPort
        self.settings = settings
        self.output = output
        self.errors = errors
        configPath = directory.appendingPathComponent("proxy.json").path
    }

    /// `settings`: more top-level JSON members, e.g. `"storage": "state.sqlite"`.
    static func start(
        upstreamPort: Int, settings: String, experiments: [String] = [headline], logLevel: String = "error",
        captureOutput: Bool = false, captureErrors: Bool = false
    ) async throws -> RunningBinary {
        let binary = RunningBinary(
            port: try await CommandLineTests.freePort(), directory: try CommandLineTests.temporaryDirectory(),
            upstreamPort: upstreamPort, settings: settings, output: captureOutput ? Pipe() : nil,
            errors: captureErrors ? Pipe() : nil)
        try binary.writeConfig(experiments: experiments)
        binary.process.executableURL = CommandLineTests.binary
        binary.process.arguments = ["--config", binary.configPath, "--log-level", logLevel]
        if let output = binary.output { binary.process.standardOutput = output }
        if let errors = binary.errors { binary.process.standardError = errors }
        try binary.process.run()
        try await CommandLineTests.waitUntilListening(port: binary.port)
        return binary
    }

    /// Writes proxy.json with the same listener, upstream and settings and these experiments.
    func writeConfig(experiments: [String]) throws {
        let config = """
            {"listen": "127.0.0.1:\(port)", "upstream": "http://127.0.0.1:\(upstreamPort)", \(settings),
             "experiments": [\(experiments.joined(separator: ", "))]}
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func stop() {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }
}

import ArgumentParser
import BanditCore
import BanditProxy
import Logging
import NIOPosix

/// `bandit-proxy demo`: a sample site, the proxy in front of it with one experiment, and
/// simulated visitors, so a newcomer sees an experiment converge with one command.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a built-in sample site behind the proxy, with simulated visitors.")

    @Option(help: "Port for the proxy on 127.0.0.1.") var port: Int = 8080
    @Flag(help: "Do not simulate visitors; browse the site yourself.") var noVisitors = false
    @Option(help: "Simulated visitors per second.") var visitorsPerSecond: Int = 25
    @Option(help: "Stop after this many simulated visitors (0: run until interrupted).") var visitors: Int = 0
    @OptionGroup var logging: LoggingOption

    func run() async throws {
        let logger = LogSetup.make(level: logging.logLevel)
        let group = MultiThreadedEventLoopGroup.singleton
        let site = try await DemoSite.start(group: group)
        let sitePort = site.localAddress?.port ?? 0
        let config: ProxyConfig
        do {
            config = try ConfigLoader.parse(
                Array(Self.proxyJSON(port: port, sitePort: sitePort).utf8), baseDirectory: ".", environment: [:])
        } catch {
            printError("bandit-proxy demo: \(error)")
            throw ExitCode(1)
        }
        let runtime: ProxyRuntime
        do {
            runtime = try await ProxyRuntime.start(config: config, logger: logger, group: group)
        } catch {
            printError("bandit-proxy demo: cannot start on 127.0.0.1:\(port) (\(error)); try --port")
            throw ExitCode(1)
        }
        let proxyPort = runtime.localAddress?.port ?? port
        printNow(
            """
            bandit-proxy demo
              site (through the proxy): http://127.0.0.1:\(proxyPort)/
              dashboard:                http://127.0.0.1:\(proxyPort)/__bandits
              JSON API:                 http://127.0.0.1:\(proxyPort)/__bandits/api/experiments
              sample site directly:     http://127.0.0.1:\(sitePort)/
            Experiment "cta" needs no code in the site: for its arm "urgent" the proxy rewrites the page's
            call to action as it streams, and counts clicks on it (a.cta) with a script it adds.
            Experiment "headline" is rendered by the site, which reads the X-Bandit-Headline header.
            Visitors click the call to action 4% of the time, twice as often under the bold headline and
            half as often again when it is urgent. Thompson sampling moves traffic to the better arms and
            keeps at least 10% on each, until the winner rule declares a winner.
            """)
        let visitorsTask =
            noVisitors
            ? nil
            : Task {
                await DemoVisitors(port: proxyPort, perSecond: visitorsPerSecond, limit: visitors, runtime: runtime)
                    .run()
            }
        if visitors > 0, let visitorsTask {
            await visitorsTask.value
        } else {
            _ = await Signals.waitForTermination()
            visitorsTask?.cancel()
        }
        await runtime.shutdown()
        try await site.close()
    }
}

extension Demo {
    /// The demo's proxy.json: the experiment README opens with (an arm that edits the page,
    /// a click goal), and one the site renders itself from a header.
    static func proxyJSON(port: Int, sitePort: Int) -> String {
        """
        {
          "listen": "127.0.0.1:\(port)",
          "upstream": "http://127.0.0.1:\(sitePort)",
          "storage": ":memory:",
          "flushIntervalMs": 500,
          "experiments": [
            {"name": "cta", "source": "/", "target": {"click": "a.cta"}, "header": "X-Bandit-Cta", "minViews": 200,
             "arms": ["plain",
                      {"name": "urgent", "html": [
                         {"selector": "a.cta", "text": "Talk to us today →"},
                         {"selector": "head", "append": "<style>a.cta{background:#16a34a;color:#fff;padding:.4em .8em;border-radius:6px}</style>"}]}]},
            {"name": "headline", "source": "/", "target": "/contact/", "arms": ["control", "bold"],
             "header": "X-Bandit-Headline", "minViews": 200}
          ]
        }
        """
    }
}

/// Simulated visitors: each opens the home page (a view in both experiments) and, with the
/// true rate of its pair of arms, clicks the call to action, which a browser reports with the
/// proxy's goal script (a click conversion) before following the link to the contact page (a
/// conversion of the headline).
struct DemoVisitors {
    let port: Int
    let perSecond: Int
    let limit: Int
    let runtime: ProxyRuntime
    static let baseRate = 0.04
    static let lift = ["bold": 2.0, "urgent": 1.5]

    func run() async {
        var rng = Xoshiro256()
        var count = 0
        let pause = Duration.milliseconds(1000 / max(1, perSecond))
        while !Task.isCancelled && (limit == 0 || count < limit) {
            count += 1
            do {
                let home = try await SimpleHTTPClient.request(
                    host: "127.0.0.1", port: port, path: "/", headers: [("Accept", "text/html")])
                let headline = home.body.contains("font-weight:900") ? "bold" : "control"
                let cta = home.body.contains("Talk to us today") ? "urgent" : "plain"
                let rate = Self.baseRate * Self.lift[headline, default: 1] * Self.lift[cta, default: 1]
                if let cookie = home.header("set-cookie")?.split(separator: ";").first,
                    Double.random(in: 0..<1, using: &rng) < rate
                {
                    let session = [("Cookie", String(cookie))]
                    if home.body.contains("/__bandits/goals/") {
                        _ = try await SimpleHTTPClient.request(
                            host: "127.0.0.1", port: port, method: "POST", path: "/__bandits/convert?experiment=cta",
                            headers: session)
                    }
                    _ = try await SimpleHTTPClient.request(
                        host: "127.0.0.1", port: port, path: "/contact/", headers: session)
                }
            } catch {
                printError("visitor \(count): \(error)")
            }
            if count % 250 == 0 { report(count) }
            try? await Task.sleep(for: pause)
        }
        report(count)
    }

    private func report(_ count: Int) {
        let experiments = runtime.engine.experiments.map { experiment in
            let arms = zip(experiment.config.arms, experiment.counts).map { name, c in
                "\(name) \(c.conversions)/\(c.views)"
            }
            let state = experiment.state
            let status =
                switch (state.status, state.winner) {
                case (.decided, let winner?): "decided: \(experiment.config.arms[winner]) wins"
                case (.decided, nil): "decided: no meaningful difference"
                default: "\(state.status)"
                }
            return "\(experiment.name): \(arms.joined(separator: " · ")) · \(status)"
        }
        printNow("\(count) visitors · \(experiments.joined(separator: " | "))")
    }
}

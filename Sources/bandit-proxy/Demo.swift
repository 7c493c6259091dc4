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
        let config = ProxyConfig(
            listen: HostPort(host: "127.0.0.1", port: port),
            upstream: UpstreamURL(host: "127.0.0.1", port: sitePort),
            storage: .memory,
            flushIntervalMs: 500,
            experiments: [
                ExperimentConfig(
                    name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"),
                    arms: ["control", "bold"], algorithm: .thompson,
                    injection: .header("X-Bandit-Headline"),
                    minViews: 200)
            ].map { experiment in
                // As a proxy.json without minShare would give it.
                var experiment = experiment
                experiment.minShares = ExperimentConfig.defaultMinShares(arms: 2, algorithm: .thompson)
                return experiment
            })
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
            Experiment "headline": control converts 4% of visitors, bold 8%. Thompson sampling moves most traffic
            to bold and keeps at least 10% on control, until the winner rule declares bold the winner.
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

/// Simulated visitors: each opens the home page (a view) and, with the arm's true rate,
/// goes on to the contact page (a conversion).
struct DemoVisitors {
    let port: Int
    let perSecond: Int
    let limit: Int
    let runtime: ProxyRuntime
    static let trueRates = ["control": 0.04, "bold": 0.08]

    func run() async {
        var rng = Xoshiro256()
        var count = 0
        let pause = Duration.milliseconds(1000 / max(1, perSecond))
        while !Task.isCancelled && (limit == 0 || count < limit) {
            count += 1
            do {
                let home = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/")
                let arm = home.body.contains("font-weight:900") ? "bold" : "control"
                if let cookie = home.header("set-cookie")?.split(separator: ";").first,
                    Double.random(in: 0..<1, using: &rng) < DemoVisitors.trueRates[arm, default: 0]
                {
                    _ = try await SimpleHTTPClient.request(
                        host: "127.0.0.1", port: port, path: "/contact/", headers: [("Cookie", String(cookie))])
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
        guard let experiment = runtime.engine.experiment(named: "headline") else { return }
        let counts = experiment.counts
        let arms = zip(experiment.config.arms, counts).map { name, c in
            "\(name) \(c.conversions)/\(c.views)"
        }
        let state = experiment.state
        let status =
            switch (state.status, state.winner) {
            case (.decided, let winner?): "decided: \(experiment.config.arms[winner]) wins"
            case (.decided, nil): "decided: no meaningful difference"
            default: "\(state.status)"
            }
        printNow("\(count) visitors · \(arms.joined(separator: " · ")) · \(status)")
    }
}

import ArgumentParser

@main
struct BanditProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bandit-proxy",
        abstract: "A reverse proxy that runs multi-armed-bandit experiments in front of any website.",
        subcommands: [Run.self, Validate.self, Demo.self, Simulate.self, BenchStore.self],
        defaultSubcommand: Run.self
    )
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path to the configuration file.")
    var config: String = "proxy.json"
}

struct LoggingOption: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
}

import ArgumentParser
import BanditCore
import BanditProxy
import Logging

/// `bandit-proxy [--config PATH]`: serve until SIGTERM or SIGINT, then flush and exit 0.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the proxy (the default command).")

    @OptionGroup var options: ConfigOption
    @OptionGroup var logging: LoggingOption

    func run() async throws {
        let logger = LogSetup.make(level: logging.logLevel)
        let config: ProxyConfig
        do {
            config = try ConfigLoader.load(path: options.config)
        } catch {
            printError("bandit-proxy: \(options.config) is not a valid configuration:\n\(error)")
            throw ExitCode(2)
        }
        let runtime: ProxyRuntime
        do {
            runtime = try await ProxyRuntime.start(config: config, logger: logger)
        } catch {
            printError("bandit-proxy: cannot start: \(error)")
            throw ExitCode(1)
        }
        let signal = await Signals.waitForTermination()
        logger.info("received \(signal); shutting down")
        await runtime.shutdown()
    }
}

/// `bandit-proxy validate [--config PATH]`.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a configuration file and report every problem.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        do {
            let config = try ConfigLoader.load(path: options.config)
            print("\(options.config): OK (\(config.experiments.count) experiment(s), upstream \(config.upstream))")
        } catch {
            printError("\(options.config): invalid\n\(error)")
            throw ExitCode(2)
        }
    }
}

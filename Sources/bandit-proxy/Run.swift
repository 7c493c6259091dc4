import ArgumentParser
import BanditCore
import BanditProxy
import Logging

/// `bandit-proxy [--config PATH]`: serve until SIGTERM or SIGINT, then flush and exit 0;
/// SIGHUP reloads the configuration file.
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
        for warning in config.securityWarnings { logger.warning("\(warning)") }
        let runtime: ProxyRuntime
        do {
            runtime = try await ProxyRuntime.start(config: config, logger: logger)
        } catch {
            printError("bandit-proxy: cannot start: \(error)")
            throw ExitCode(1)
        }
        // One reload at a time, in signal order; the loop ends (returning what serves now)
        // when shutdown cancels it.
        let hangups = Signals.hangups()
        let reloads = Task { [options] in
            var current = runtime
            for await _ in hangups {
                current = await Self.reload(current, path: options.config, logger: logger)
            }
            return current
        }
        let signal = await Signals.waitForTermination()
        logger.info("received \(signal); shutting down")
        reloads.cancel()
        await reloads.value.shutdown()
    }

    /// Reads the file again and switches to it; a file that does not load, or a runtime that
    /// cannot start with it, leaves the current configuration serving.
    static func reload(_ runtime: ProxyRuntime, path: String, logger: Logger) async -> ProxyRuntime {
        logger.info("received SIGHUP; reloading", metadata: ["config": "\(path)"])
        let config: ProxyConfig
        do {
            config = try ConfigLoader.load(path: path)
        } catch {
            logger.error(
                "reload refused: \(path) is not a valid configuration; the previous one keeps serving\n\(error)")
            return runtime
        }
        do {
            return try await runtime.reload(config)
        } catch {
            logger.error("reload failed: \(error); the previous configuration keeps serving")
            return runtime
        }
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
            for warning in config.securityWarnings { print("warning: \(warning)") }
        } catch {
            printError("\(options.config): invalid\n\(error)")
            throw ExitCode(2)
        }
    }
}

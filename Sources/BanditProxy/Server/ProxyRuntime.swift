public import BanditCore
public import BanditStore
public import Logging
public import NIOCore
public import NIOPosix

/// A whole running bandit-proxy: store, engine, state keeper and listener, started and
/// stopped in the right order, and reloaded in place.
public final class ProxyRuntime: Sendable {
    public let config: ProxyConfig
    public let engine: ExperimentEngine
    public let keeper: StateKeeper
    private let store: any StateStore
    private let server: ProxyServer
    private let flushLoop: Task<Void, Never>
    private let logger: Logger
    private let group: any EventLoopGroup
    /// After a reload: drains the previous configuration's last requests into this one.
    let retiring: Task<Void, Never>?

    /// The address the proxy listens on.
    public var localAddress: SocketAddress? { server.localAddress }

    private init(
        config: ProxyConfig, engine: ExperimentEngine, keeper: StateKeeper, store: any StateStore, server: ProxyServer,
        logger: Logger, group: any EventLoopGroup, retiring: Task<Void, Never>? = nil
    ) {
        self.config = config
        self.engine = engine
        self.keeper = keeper
        self.store = store
        self.server = server
        self.logger = logger
        self.group = group
        self.retiring = retiring
        let interval = Duration.milliseconds(config.flushIntervalMs)
        flushLoop = Task { await keeper.run(every: interval) }
    }

    public static func start(
        config: ProxyConfig, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ProxyRuntime {
        try await start(config: config, store: openStore(config.storage, logger: logger), logger: logger, group: group)
    }

    /// Starts on a store the caller opened (tests use one that fails on demand).
    public static func start(
        config: ProxyConfig, store: any StateStore, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ProxyRuntime {
        do {
            let (engine, keeper) = try await makeEngine(config: config, store: store, logger: logger)
            let serving = try await Serving.make(
                config: config, engine: engine, keeper: keeper, metrics: ProxyMetrics(),
                accessLog: AccessLog(format: config.accessLog), group: group, logger: logger)
            let server = try await ProxyServer.start(
                listen: config.listen, serving: serving, group: group, logger: logger)
            return ProxyRuntime(
                config: config, engine: engine, keeper: keeper, store: store, server: server, logger: logger,
                group: group)
        } catch {
            await store.close()
            throw error
        }
    }

    /// The engine for `config`, its counts and states restored from `store`.
    private static func makeEngine(
        config: ProxyConfig, store: any StateStore, logger: Logger
    ) async throws -> (ExperimentEngine, StateKeeper) {
        let secret: String
        if let configured = config.session.secret {
            secret = configured
        } else {
            var random = SystemRandomNumberGenerator()
            secret = try await store.sessionSecret(
                storingIfAbsent: Base64URL.randomIdentifier(byteCount: 32, using: &random))
        }
        let engine = ExperimentEngine(config: config, secret: secret)
        let keeper = StateKeeper(engine: engine, store: store, logger: logger)
        try await keeper.restore()
        return (engine, keeper)
    }

    static func openStore(_ storage: StorageLocation, logger: Logger) async throws -> any StateStore {
        switch storage {
        case .memory:
            return MemoryStore()
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let url):
            return try await PostgresStore.open(url: url, logger: logger)
        }
    }

    /// Stops accepting, lets in-flight requests finish (up to `timeouts.shutdownGraceSeconds`),
    /// writes every count, closes the store.
    public func shutdown() async {
        await server.close(grace: .milliseconds(Int64(config.timeouts.shutdownGraceSeconds * 1000)))
        await retiring?.value
        flushLoop.cancel()
        await flushLoop.value
        if await !keeper.flush() {
            logger.error("the last counts could not be written before exit")
        }
        await store.close()
        logger.info("stopped; state flushed")
    }

    /// Serves `newConfig` from now on (SIGHUP) and returns the runtime that does; this one is
    /// retired and must not be used again.
    ///
    /// The listener stays open, so no connection is refused or cut: each connection takes up
    /// the new configuration at its next request. Everything counted so far is written first
    /// and the new engine restores from the store, so experiments keep their counts while
    /// their names and arms stay the same (changed arms start a new version, as at a restart).
    /// Requests already in flight finish on the old engine, and their counts move to the new
    /// one. If anything fails (a store that cannot be opened, say), this runtime goes on
    /// serving and the error is thrown. `listen` cannot change without a restart.
    public func reload(_ newConfig: ProxyConfig) async throws -> ProxyRuntime {
        if newConfig.listen != config.listen {
            logger.warning(
                "a new listen address takes effect at the next start",
                metadata: ["listening": "\(config.listen)", "configured": "\(newConfig.listen)"])
        }
        await keeper.retire()
        let sameStore = newConfig.storage == config.storage
        let nextStore: any StateStore
        let engine: ExperimentEngine
        let keeper: StateKeeper
        let serving: Serving
        let previous = server.serving
        do {
            nextStore = sameStore ? store : try await Self.openStore(newConfig.storage, logger: logger)
            do {
                (engine, keeper) = try await Self.makeEngine(config: newConfig, store: nextStore, logger: logger)
                let accessLog =
                    newConfig.accessLog == config.accessLog
                    ? previous.accessLog : AccessLog(format: newConfig.accessLog)
                serving = try await Serving.make(
                    config: newConfig, engine: engine, keeper: keeper, metrics: previous.metrics,
                    accessLog: accessLog, group: group, logger: logger, previous: previous)
            } catch {
                if !sameStore { await nextStore.close() }
                throw error
            }
        } catch {
            await self.keeper.resume()
            throw error
        }
        // Per-arm request counts and tripped arms live in memory only: they move over here.
        let handover = engine.takeOverGuardrails(from: self.engine)
        _ = server.swap(to: serving)
        let retiring = Task { [self] in
            await retire(
                previous, successor: keeper, successorServing: serving, closingStore: !sameStore, handover: handover)
        }
        logger.notice(
            "configuration reloaded",
            metadata: ["experiments": "\(newConfig.experiments.map(\.name))", "upstream": "\(newConfig.upstream)"])
        return ProxyRuntime(
            config: newConfig, engine: engine, keeper: keeper, store: nextStore, server: server, logger: logger,
            group: group, retiring: retiring)
    }

    /// Waits for the requests this runtime decided to get their responses (no longer than
    /// the response timeout: after it they are answered 504, which counts nothing), then
    /// hands their counts to the successor and closes what the successor does not share.
    private func retire(
        _ previous: Serving, successor: StateKeeper, successorServing: Serving, closingStore: Bool,
        handover: RequestCountsHandover
    ) async {
        await retiring?.value
        let deadline = ContinuousClock.now + .milliseconds(Int64(config.timeouts.responseSeconds * 1000) + 1000)
        while previous.pendingCommits.value > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        flushLoop.cancel()
        await flushLoop.value
        let generations = Dictionary(uniqueKeysWithValues: engine.experiments.map { ($0.name, $0.state.generation) })
        successor.engine.addRequestCounts(finishedSince: handover, on: engine)
        let dropped = await successor.absorb(keeper.unwritten(), generations: generations)
        await successor.absorbSegments(keeper.unwrittenSegments(), generations: generations)
        if dropped > 0 {
            logger.notice(
                "counts of requests in flight during the reload belong to experiment versions that ended; not counted",
                metadata: ["events": "\(dropped)"])
        }
        if successorServing.upstream != previous.upstream { await previous.closePools() }
        if successorServing.accessLog !== previous.accessLog { previous.accessLog.flush() }
        if closingStore { await store.close() }
    }
}

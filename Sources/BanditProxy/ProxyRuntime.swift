public import BanditCore
public import BanditStore
public import Logging
public import NIOCore
public import NIOPosix

/// A whole running bandit-proxy: store, engine, state keeper and listener, started and
/// stopped in the right order.
public final class ProxyRuntime: Sendable {
    public let config: ProxyConfig
    public let engine: ExperimentEngine
    public let keeper: StateKeeper
    private let store: any StateStore
    private let server: ProxyServer
    private let flushLoop: Task<Void, Never>
    private let logger: Logger

    /// The address the proxy listens on.
    public var localAddress: SocketAddress? { server.localAddress }

    private init(
        config: ProxyConfig, engine: ExperimentEngine, keeper: StateKeeper, store: any StateStore, server: ProxyServer,
        flushLoop: Task<Void, Never>, logger: Logger
    ) {
        self.config = config
        self.engine = engine
        self.keeper = keeper
        self.store = store
        self.server = server
        self.flushLoop = flushLoop
        self.logger = logger
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
            let server = try await ProxyServer.start(
                config: config, engine: engine, keeper: keeper, group: group, logger: logger)
            let interval = Duration.milliseconds(config.flushIntervalMs)
            let flushLoop = Task { await keeper.run(every: interval) }
            return ProxyRuntime(
                config: config, engine: engine, keeper: keeper, store: store, server: server, flushLoop: flushLoop,
                logger: logger)
        } catch {
            await store.close()
            throw error
        }
    }

    static func openStore(_ storage: StorageLocation, logger: Logger) async throws -> any StateStore {
        switch storage {
        case .memory:
            return MemoryStore()
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .postgres:
            throw StoreError(
                "PostgreSQL storage is not available in this build yet; use an SQLite file path for storage")
        }
    }

    /// Stops accepting, lets in-flight requests finish (up to `timeouts.shutdownGraceSeconds`),
    /// writes every count, closes the store.
    public func shutdown() async {
        await server.close(grace: .milliseconds(Int64(config.timeouts.shutdownGraceSeconds * 1000)))
        flushLoop.cancel()
        await flushLoop.value
        if await !keeper.flush() {
            logger.error("the last counts could not be written before exit")
        }
        await store.close()
        logger.info("stopped; state flushed")
    }
}

// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "bandit-proxy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bandit-proxy", targets: ["bandit-proxy"]),
        .library(name: "BanditCore", targets: ["BanditCore"]),
        // For the microbenchmarks in Benchmarks/ (a separate package); the executable is the product users run.
        .library(name: "BanditProxy", targets: ["BanditProxy"]),
        .library(name: "BanditHTML", targets: ["BanditHTML"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Test-only: property-based checks (generators, seeds that reproduce a failure).
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Decodes the gzip or deflate pages the proxy edits, and encodes them again (zlib).
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "BanditCore",
            dependencies: ["BanditHTML", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The streaming HTML rewriter behind arms that edit the page; no dependencies.
        .target(name: "BanditHTML", swiftSettings: strict),
        .target(
            name: "BanditStore",
            dependencies: [
                "BanditCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "BanditProxy",
            dependencies: [
                "BanditCore",
                "BanditStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "bandit-proxy",
            dependencies: [
                "BanditCore",
                "BanditStore",
                "BanditProxy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The demo's sample site (DemoSite.swift), which the library does not ship.
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Shared by the PostgreSQL tests of two test targets: a database of their own per test.
        .target(
            name: "PostgresTestSupport",
            dependencies: [
                "BanditCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PostgresTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "BanditCoreTests",
            dependencies: ["BanditCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "BanditHTMLTests", dependencies: ["BanditHTML"], swiftSettings: strict),
        .testTarget(
            name: "BanditStoreTests", dependencies: ["BanditStore", "BanditCore", "PostgresTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BanditProxyTests",
            dependencies: [
                "BanditProxy", "BanditCore", "BanditStore", "PostgresTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

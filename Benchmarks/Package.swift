// swift-tools-version: 6.1
// Microbenchmarks for bandit-proxy's per-request work: wall time and mallocs per operation.
//
// A separate package, so the root package (and `swift test` there) never builds the
// benchmark tooling. Run from this folder:
//
//     swift package --allow-writing-to-package-directory benchmark
//
// (see README.md here for the options and the last recorded numbers).
import PackageDescription

let package = Package(
    name: "bandit-proxy-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package, named so that `package:` below does not depend on the folder's name.
        .package(name: "bandit-proxy", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // HTTPRequestHead and HTTPHeaders, for the header-rewriting benchmark's inputs.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "Decision",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BanditCore", package: "bandit-proxy"),
            ],
            path: "Benchmarks/Decision",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CookieCodec",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BanditCore", package: "bandit-proxy"),
            ],
            path: "Benchmarks/CookieCodec",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "HeaderRewriting",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BanditProxy", package: "bandit-proxy"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/HeaderRewriting",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "HTMLRewriting",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BanditHTML", package: "bandit-proxy"),
            ],
            path: "Benchmarks/HTMLRewriting",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Not a microbenchmark: the least a SwiftNIO proxy can do, run by bench/ceiling.sh.
        .executableTarget(
            name: "NIORelay",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Ceilings/NIORelay"
        ),
    ],
    swiftLanguageModes: [.v6]
)

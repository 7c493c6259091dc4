import Foundation
import Testing

@testable import BanditCore

/// What `ProxyConfig` promises code downstream ("every value here has already passed
/// validation"), checked on a configuration that loaded: any value outside these would have
/// had to be refused with a key path instead.
enum ConfigInvariants {
    static func check(_ config: ProxyConfig, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for violation in violations(config) {
            Issue.record("\(violation) in a configuration that loaded:\n\(text)", sourceLocation: sourceLocation)
        }
    }

    static func violations(_ config: ProxyConfig) -> [String] {
        var found: [String] = []
        func require(_ condition: Bool, _ what: @autoclosure () -> String) { if !condition { found.append(what()) } }

        require((0...65535).contains(config.listen.port), "listen port \(config.listen.port)")
        require(["http", "https"].contains(config.upstream.scheme), "upstream scheme \(config.upstream.scheme)")
        require(!config.upstream.host.isEmpty, "empty upstream host")
        require((1...65535).contains(config.upstream.port), "upstream port \(config.upstream.port)")
        require((10...3_600_000).contains(config.flushIntervalMs), "flushIntervalMs \(config.flushIntervalMs)")
        require(config.adminToken.map { !$0.isEmpty } ?? true, "empty adminToken")
        if case .sqlite(let path) = config.storage { require(path.hasPrefix("/"), "storage path \(path) not absolute") }
        let t = config.timeouts
        for (name, value) in [
            ("connect", t.connectSeconds), ("response", t.responseSeconds), ("idle", t.idleSeconds),
            ("clientIdle", t.clientIdleSeconds), ("tunnelIdle", t.tunnelIdleSeconds),
        ] {
            require(value > 0 && value <= 86_400, "timeouts.\(name)Seconds \(value)")
        }
        require(
            t.shutdownGraceSeconds >= 0 && t.shutdownGraceSeconds <= 86_400, "shutdownGrace \(t.shutdownGraceSeconds)")
        require(Syntax.isToken(config.session.cookie), "session cookie \(config.session.cookie)")
        require(config.session.secret.map { $0.utf8.count >= 16 } ?? true, "short session secret")
        require((1...3650).contains(config.session.maxAgeDays), "maxAgeDays \(config.session.maxAgeDays)")
        require(config.session.authCookie.map(Syntax.isToken) ?? true, "authCookie")
        require(config.exclude.paths.allSatisfy { $0.hasPrefix("/") }, "exclude paths \(config.exclude.paths)")
        for pattern in [config.exclude.regex, config.exclude.userAgents].compactMap({ $0 }) {
            require(!pattern.isEmpty && (try? NSRegularExpression(pattern: pattern)) != nil, "regex \(pattern)")
        }
        require(config.maxRequestBodyBytes.map { $0 >= 1 } ?? true, "maxBodyBytes")
        if config.upstreamCAFile != nil { require(config.upstream.scheme == "https", "caFile without https") }

        let experiments = config.experiments
        require(Set(experiments.map(\.name)).count == experiments.count, "duplicate experiment names")
        var headers = Set<String>()
        var queries = Set<String>()
        for experiment in experiments {
            let name = experiment.name
            require(Syntax.isName(name, extra: "_-") && name.count <= 64, "experiment name \(name)")
            require(!experiment.goals.isEmpty, "\(name): no goals")
            for goal in experiment.goals {
                require(goal.path != experiment.source || goal.method != nil, "\(name): the source is a goal")
                require(goal.method.map { Syntax.isToken($0) && $0 == $0.uppercased() } ?? true, "\(name): \(goal)")
                require(goal.statuses.map { $0.lowerBound >= 100 && $0.upperBound < 400 } ?? true, "\(name): \(goal)")
            }
            for pattern in [experiment.source] + experiment.goals.map(\.path) {
                require(pattern.path.hasPrefix("/") && !pattern.path.contains("*"), "\(name): pattern \(pattern)")
            }
            require(experiment.coverage > 0 && experiment.coverage <= 1, "\(name): coverage \(experiment.coverage)")
            if let weights = experiment.weights {
                require(experiment.algorithm == .uniform, "\(name): weights without uniform")
                require(weights.count == experiment.arms.count, "\(name): \(weights.count) weights")
                require(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "\(name): weights \(weights)")
                require(abs(weights.reduce(0, +) - 1) < 1e-9, "\(name): weights \(weights) do not sum to 1")
            }
            if let floors = experiment.minShares {
                require(experiment.algorithm != .uniform, "\(name): minShare with uniform")
                require(floors.count == experiment.arms.count, "\(name): \(floors.count) floors")
                require(floors.allSatisfy { (0...1).contains($0) }, "\(name): floors \(floors)")
                require(floors.reduce(0, +) <= 1 + 1e-9, "\(name): floors \(floors) sum above 1")
            }
            require(experiment.attributionWindowSeconds.map { $0 >= 1 } ?? true, "\(name): attribution window")
            require(experiment.arms.count >= 2, "\(name): fewer than two arms")
            require(Set(experiment.arms).count == experiment.arms.count, "\(name): duplicate arms")
            require(experiment.arms.allSatisfy { Syntax.isName($0, extra: "_.-") && $0.count <= 64 }, "\(name): arms")
            switch experiment.algorithm {
            case .epsilonGreedy(let epsilon): require((0...1).contains(epsilon), "\(name): epsilon \(epsilon)")
            case .topTwoThompson(let beta): require((0...1).contains(beta), "\(name): beta \(beta)")
            case .epsilonDecay(let k): require(k > 0 && k.isFinite, "\(name): k \(k)")
            case .ucb1(let c): require(c > 0 && c.isFinite, "\(name): c \(c)")
            case .thompson, .uniform: break
            }
            require(experiment.minViews >= 0, "\(name): minViews")
            require(experiment.significance > 0 && experiment.significance <= 0.5, "\(name): significance")
            require(!experiment.ignoreAuthenticated || config.session.authCookie != nil, "\(name): no authCookie")
            switch experiment.injection {
            case .header(let header):
                require(Syntax.isToken(header), "\(name): header \(header)")
                require(!ExperimentConfigReader.reservedHeaders.contains(header.lowercased()), "\(name): reserved")
                require(headers.insert(header.lowercased()).inserted, "\(name): header \(header) twice")
            case .query(let query):
                require(Syntax.isName(query, extra: "_.-"), "\(name): query \(query)")
                require(!query.hasPrefix(ExperimentEngine.forceParameterPrefix), "\(name): force prefix")
                require(queries.insert(query).inserted, "\(name): query \(query) twice")
            }
        }
        return found
    }
}

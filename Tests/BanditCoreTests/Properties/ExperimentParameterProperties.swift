import PropertyBased
import Testing

@testable import BanditCore

/// README: "A client can never choose its own arm: any copy of the header or parameter it
/// sends is removed first", and a `bandit_force_…` parameter (or `bandit_record`) "never
/// reaches the site".
/// The site parses the query byte by byte, so that is how these properties read what the
/// engine would send upstream, whatever characters the client put around the delimiters.
@Suite struct ExperimentParameterProperties {
    static let engine = ExperimentEngine(config: ExperimentEngineTests.config, secret: "engine-secret-123456")

    @Test func theUpstreamSeesExactlyOneCopyOfTheParameterAndItIsTheServedArm() async {
        await propertyCheck(count: 500, input: ParameterGen.sourceTargets) { target in
            var rng = SplitMix64(seed: 1)
            let decision = Self.engine.decide(RequestFacts(uri: target), using: &rng)
            let sent = ParameterGen.queryItems(decision.rewrittenURI ?? target)
            let served = decision.served.first { $0.experiment == "cta" }?.arm
            #expect(served != nil, "a fresh session on the source page gets an arm: \(target.debugDescription)")
            #expect(sent.filter { $0.name == "cta" }.map(\.value) == served.map { [$0] }, "\(target.debugDescription)")
            #expect(!sent.contains { $0.name.utf8.starts(with: "bandit_force_".utf8) }, "\(target.debugDescription)")
            #expect(!sent.contains { $0.name == "bandit_record" }, "\(target.debugDescription)")
        }
    }

    @Test func noRequestTargetLeaksASpoofedOrForcingParameter() async {
        await propertyCheck(count: 500, input: ParameterGen.anyTargets) { target in
            var rng = SplitMix64(seed: 2)
            let decision = Self.engine.decide(RequestFacts(uri: target), using: &rng)
            let sent = ParameterGen.queryItems(decision.rewrittenURI ?? target)
            let served = decision.served.first { $0.experiment == "cta" }?.arm
            #expect(
                sent.filter { $0.name == "cta" }.map(\.value) == (served.map { [$0] } ?? []),
                "\(target.debugDescription)")
            #expect(!sent.contains { $0.name.utf8.starts(with: "bandit_force_".utf8) }, "\(target.debugDescription)")
            #expect(!sent.contains { $0.name == "bandit_record" }, "\(target.debugDescription)")
        }
    }
}

enum ParameterGen {
    /// Query items a client might send: its own `cta`, a forcing switch, harmless ones, with
    /// awkward characters (a combining mark fuses with the delimiter before it) anywhere.
    static func items<R: RandomNumberGenerator>(using rng: inout R) -> [String] {
        let names = ["cta", "bandit_force_cta", "bandit_force_headline", "bandit_record", "utm_source", "q", ""]
        let values = ["green", "red", "plain", "", "x y", "%67reen"]
        return (0..<Draw.int(0...5, using: &rng)).map { _ in
            var item = Draw.element(names, using: &rng)
            if Draw.chance(0.8, using: &rng) { item += "=" }
            if Draw.chance(0.3, using: &rng) { item += Draw.element(Alphabet.awkward, using: &rng).description }
            item += Draw.element(values, using: &rng)
            return item
        }
    }

    static func query<R: RandomNumberGenerator>(using rng: inout R) -> String {
        let lead = Draw.chance(0.3, using: &rng) ? Draw.element(Alphabet.awkward, using: &rng).description : ""
        let separator =
            Draw.chance(0.3, using: &rng) ? "&" + Draw.element(Alphabet.awkward, using: &rng).description : "&"
        return "?" + lead + separator + items(using: &rng).joined(separator: separator)
    }

    /// The `cta` source page, with or without its slash, and a query.
    static let sourceTargets = Generator<String, Shrink.None<String>>(run: { rng in
        Draw.element(["/pricing", "/pricing/", "/pricing//"], using: &rng) + query(using: &rng)
    })

    /// Any page (source, target, others, excluded-looking ones), with or without a query.
    static let anyTargets = Generator<String, Shrink.None<String>>(run: { rng in
        let path = Draw.element(["/", "/pricing/", "/signup", "/other/page", "/static/x.js", "", "*"], using: &rng)
        return path + (Draw.chance(0.8, using: &rng) ? query(using: &rng) : "")
    })

    /// The query items as a site's framework would split them: at the first `?` byte, then at
    /// `&` bytes, each name up to its first `=` byte.
    static func queryItems(_ target: String) -> [(name: String, value: String)] {
        let bytes = Array(target.utf8)
        guard let question = bytes.firstIndex(of: UInt8(ascii: "?")) else { return [] }
        return bytes[(question + 1)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map {
            item in
            let equals = item.firstIndex(of: UInt8(ascii: "=")) ?? item.endIndex
            let value = equals < item.endIndex ? item[(equals + 1)...] : []
            return (String(decoding: item[..<equals], as: UTF8.self), String(decoding: value, as: UTF8.self))
        }
    }
}

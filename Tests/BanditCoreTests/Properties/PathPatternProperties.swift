import PropertyBased
import Testing

@testable import BanditCore

/// Path normalisation and matching under random request targets and patterns.
///
/// The promises (PathPattern's doc comments, README "experiments[].source"): a path matches
/// exactly, ignoring the query string and a trailing slash; a trailing `*` matches a prefix,
/// and `/blog/*` also matches `/blog`. Exclusion prefixes match any path that starts with
/// them. An upstream reads the target byte by byte, so "starts with" and "the query starts
/// at `?`" are about bytes: a combining mark after a `/` or `?` must not hide it.
@Suite struct PathPatternProperties {
    @Test func normalisingIsIdempotentAndNeverCrashes() async {
        await propertyCheck(count: 500, input: PathGen.targets) { target in
            let once = PathPattern.normalise(Substring(target))
            #expect(PathPattern.normalise(Substring(once)) == once, "\(target.debugDescription)")
        }
    }

    @Test func normalisingOnlyCutsTheQueryAndTrailingSlashes() async {
        await propertyCheck(count: 500, input: PathGen.targets.filter { $0.hasPrefix("/") }) { target in
            let path = PathPattern.normalise(Substring(target))
            let bytes = Array(path.utf8)
            #expect(
                !bytes.contains(UInt8(ascii: "?")) && !bytes.contains(UInt8(ascii: "#")), "\(path.debugDescription)")
            #expect(path == "/" || bytes.last != UInt8(ascii: "/"), "\(path.debugDescription)")
            // What was cut is slashes, then nothing or a query or fragment.
            let original = Array(target.utf8)
            try #require(original.starts(with: bytes), "\(target.debugDescription) → \(path.debugDescription)")
            let rest = original.dropFirst(bytes.count).drop { $0 == UInt8(ascii: "/") }
            #expect(rest.isEmpty || rest.first == UInt8(ascii: "?") || rest.first == UInt8(ascii: "#"))
        }
    }

    @Test func anExactPatternMatchesItsPathWithAnyTrailingSlashQueryOrFragment() async {
        await propertyCheck(count: 300, input: PathGen.patternPaths, PathGen.queries) { path, query in
            let pattern = PathPattern(path)
            for variant in [path, path + "/", path + "?" + query, path + "/?" + query, path + "#" + query] {
                #expect(pattern.matches(normalisedPath: PathPattern.normalise(Substring(variant))), "\(variant)")
            }
        }
    }

    @Test func anExactPatternMatchesNoLongerPath() async {
        await propertyCheck(count: 300, input: PathGen.patternPaths, PathGen.segments) { path, segment in
            let pattern = PathPattern(path)
            let bare = path.hasSuffix("/") ? String(path.dropLast()) : path
            for longer in [bare + "/" + segment, path + segment] where longer != path {
                #expect(!pattern.matches(normalisedPath: PathPattern.normalise(Substring(longer))), "\(longer)")
            }
        }
    }

    @Test func aPrefixPatternMatchesEveryPathThatStartsWithIt() async {
        await propertyCheck(count: 300, input: PathGen.patternPaths, PathGen.suffixes) { path, suffix in
            let pattern = PathPattern(path + "*")
            let target = path + suffix
            #expect(
                pattern.matches(normalisedPath: PathPattern.normalise(Substring(target))), "\(target.debugDescription)")
        }
    }

    @Test func aPrefixPatternMatchesNothingElse() async {
        await propertyCheck(count: 300, input: PathGen.patternPaths, PathGen.targets) { path, target in
            let pattern = PathPattern(path + "*")
            let normalised = PathPattern.normalise(Substring(target))
            // "/blog/*" also matches "/blog": the prefix without its trailing slashes.
            var bare = Array(path.utf8)
            while bare.count > 1, bare.last == UInt8(ascii: "/") { bare.removeLast() }
            let expected = normalised.utf8.starts(with: path.utf8) || Array(normalised.utf8) == bare
            #expect(pattern.matches(normalisedPath: normalised) == expected, "\(target.debugDescription)")
        }
    }

    @Test func whatAnExactPatternMatchesItsPrefixFormMatchesToo() async {
        await propertyCheck(count: 300, input: PathGen.patternPaths, PathGen.queries) { path, query in
            let normalised = PathPattern.normalise(Substring(path + "/?" + query))
            try #require(PathPattern(path).matches(normalisedPath: normalised))
            #expect(PathPattern(path + "*").matches(normalisedPath: normalised))
        }
    }

    @Test func anExclusionPrefixExcludesEveryPathUnderIt() async {
        let prefixes = PathGen.patternPaths.array(of: 1...3)
        await propertyCheck(count: 300, input: prefixes, PathGen.suffixes) { prefixes, suffix in
            let rules = ExclusionRules(ExcludeRules(paths: prefixes))
            for prefix in prefixes {
                #expect(rules.excludes(path: Substring(prefix + suffix), userAgent: nil), "\(prefix + suffix)")
            }
        }
    }

    @Test func pathsOutsideEveryExclusionPrefixAreNotExcluded() async {
        await propertyCheck(count: 300, input: PathGen.patternPaths.array(of: 1...3), PathGen.targets) {
            prefixes, path in
            let rules = ExclusionRules(ExcludeRules(paths: prefixes))
            let expected = prefixes.contains { path.utf8.starts(with: $0.utf8) }
            #expect(rules.excludes(path: Substring(path), userAgent: nil) == expected, "\(path.debugDescription)")
        }
    }
}

/// Generators for paths, patterns and request targets.
enum PathGen {
    /// Pieces of a path segment: plain text, percent-encodings (including an encoded slash
    /// and dots), dot segments, matrix parameters, and characters that are not ASCII.
    static let segmentPieces: [String] =
        [
            "a", "blog", "Contact", "x1", "-", "_", "~", "%2F", "%2e%2E", "%41", "%", "%zz", ".", "..", ";v=1", "*",
            "+", ":",
        ]
        + Alphabet.awkward.map(String.init)

    /// A segment: one to three pieces, never containing a slash, `?` or `#`.
    static let segments = Generator<String, Shrink.None<String>>(run: { rng in segment(using: &rng) })

    /// The pieces a request path can really hold: HTTP/1.1 targets are ASCII (NIO answers 400
    /// to anything else), so a browser sends "/café" as "/caf%C3%A9".
    static let asciiPieces = segmentPieces.filter { piece in piece.unicodeScalars.allSatisfy { $0.isASCII } }

    static func segment<R: RandomNumberGenerator>(using rng: inout R) -> String {
        segment(from: segmentPieces, using: &rng)
    }

    // (Not a default argument: with one, Swift 6.3's IR generation crashes on the generator
    // closures that open the checker's existential generator.)
    static func segment<R: RandomNumberGenerator>(from pieces: [String], using rng: inout R) -> String {
        (0..<Draw.int(1...3, using: &rng)).map { _ in Draw.element(pieces, using: &rng) }.joined()
    }

    /// Patterns as `ExperimentConfigReader` accepts them, without the `*`: "/", or segments
    /// (sometimes empty, giving "//") after slashes, sometimes with a trailing slash, never a
    /// `?`, `#` or `*`.
    static let patternPaths = Generator<String, Shrink.None<String>>(run: { rng in patternPath(using: &rng) })

    static func patternPath<R: RandomNumberGenerator>(using rng: inout R) -> String {
        patternPath(from: segmentPieces, using: &rng)
    }

    static func patternPath<R: RandomNumberGenerator>(from pieces: [String], using rng: inout R) -> String {
        var path = ""
        for _ in 0..<Draw.int(0...4, using: &rng) {
            let segment = Draw.chance(0.1, using: &rng) ? "" : segment(from: pieces, using: &rng)
            path += "/" + segment.replacing("*", with: "s")
        }
        if path.isEmpty || Draw.chance(0.3, using: &rng) { path += "/" }
        return path
    }

    /// What may follow a prefix in a request path: nothing, slashes, more segments, or text
    /// glued to the last segment, starting with any piece, a combining mark included.
    static let suffixes = Generator<String, Shrink.None<String>>(run: { rng in
        var suffix = ""
        for _ in 0..<Draw.int(0...3, using: &rng) {
            suffix += Draw.chance(0.5, using: &rng) ? segment(using: &rng) : "/" + segment(using: &rng)
        }
        if Draw.chance(0.3, using: &rng) { suffix += String(repeating: "/", count: Draw.int(1...3, using: &rng)) }
        return suffix
    })

    /// Query strings and fragments, with awkward characters right after the delimiters.
    static let queries = Generator<String, Shrink.None<String>>(run: { rng in
        let alphabet = Alphabet.alphanumeric + ["=", "&", "/", "?", "#", "%", "+"] + Alphabet.awkward
        return Draw.string(alphabet, count: 0...20, using: &rng)
    })

    /// Request targets: mostly origin-form paths with optional query and fragment, sometimes
    /// forms a client should not send ("", "*", absolute URLs, text without a leading slash).
    static let targets = Generator<String, Shrink.None<String>>(run: { rng in
        switch Draw.int(0...9, using: &rng) {
        case 0: return Draw.element(["", "*", "?", "#", "//", "/?", "http://example.com/a/?b"], using: &rng)
        case 1: return Draw.string(Alphabet.printable + Alphabet.awkward, count: 0...30, using: &rng)
        default:
            var target = ""
            for _ in 0..<Draw.int(0...4, using: &rng) {
                target += String(repeating: "/", count: Draw.int(1...2, using: &rng)) + segment(using: &rng)
            }
            if target.isEmpty || Draw.chance(0.3, using: &rng) {
                target += String(repeating: "/", count: Draw.int(1...3, using: &rng))
            }
            if Draw.chance(0.4, using: &rng) {
                target +=
                    Draw.element(["?", "#"], using: &rng)
                    + Draw.element(Alphabet.awkward.map(String.init) + [""], using: &rng)
                target += Draw.string(Alphabet.alphanumeric + ["=", "&", "?", "/"], count: 0...10, using: &rng)
            }
            return target
        }
    })
}

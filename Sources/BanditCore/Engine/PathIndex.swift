/// Which experiments a request path can concern, found without scanning every experiment:
/// with a thousand experiments configured, a request that matches none of them costs about
/// what it costs with one.
///
/// Exact patterns are looked up by a hash of the whole path; prefix patterns (`/blog/*`) by
/// a hash of the path's first n bytes, for each distinct prefix length n. The hashes are
/// computed in one pass over the bytes, with no allocation. The index only proposes
/// candidates: each is then checked with `PathPattern.matches`, so a hash collision costs
/// a comparison, never a wrong match.
struct PathIndex: Sendable {
    private var exact: [UInt64: [Int]] = [:]
    private var prefixes: [UInt64: [Int]] = [:]
    /// Distinct byte lengths of the prefix patterns, ascending.
    private var prefixLengths: [Int] = []

    /// `patterns`: each experiment's source and goal paths, with the experiment's index.
    init(_ patterns: [(pattern: PathPattern, experiment: Int)]) {
        var lengths = Set<Int>()
        for (pattern, experiment) in patterns {
            if pattern.isPrefix {
                let bytes = Array(pattern.path.utf8)
                Self.add(experiment, at: Self.hash(bytes[...]), to: &prefixes)
                lengths.insert(bytes.count)
                // "/blog/*" also matches "/blog" (see `PathPattern.matches`).
                var bare = bytes[...]
                while bare.count > 1, bare.last == UInt8(ascii: "/") { bare = bare.dropLast() }
                Self.add(experiment, at: Self.hash(bare), to: &exact)
            } else {
                Self.add(experiment, at: Self.hash(Array(pattern.path.utf8)[...]), to: &exact)
            }
        }
        prefixLengths = lengths.sorted()
    }

    /// Adds to `result` the experiments whose patterns may match `normalisedPath`.
    func candidates(_ normalisedPath: String, into result: inout [Int]) {
        var hash = Self.offsetBasis
        var length = 0
        var nextPrefix = 0
        for byte in normalisedPath.utf8 {
            while nextPrefix < prefixLengths.count && prefixLengths[nextPrefix] == length {
                if let found = prefixes[hash] { result += found }
                nextPrefix += 1
            }
            hash = (hash ^ UInt64(byte)) &* Self.prime
            length += 1
        }
        while nextPrefix < prefixLengths.count && prefixLengths[nextPrefix] == length {
            if let found = prefixes[hash] { result += found }
            nextPrefix += 1
        }
        if let found = exact[hash] { result += found }
    }

    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x100_0000_01b3

    /// FNV-1a, 64 bits.
    private static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash = offsetBasis
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }

    private static func add(_ experiment: Int, at key: UInt64, to table: inout [UInt64: [Int]]) {
        if table[key]?.contains(experiment) != true { table[key, default: []].append(experiment) }
    }
}

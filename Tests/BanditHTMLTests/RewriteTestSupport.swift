import BanditHTML

/// An edit from selector text that is known to parse.
func edit(_ selector: String, _ action: HTMLEditAction) -> HTMLEdit {
    HTMLEdit(selector: try! HTMLSelector(parsing: selector), action: action)
}

/// The page with the edits applied, fed in one chunk.
func rewrite(_ page: String, _ edits: HTMLEdit...) -> String {
    String(decoding: HTMLRewriter.rewrite(Array(page.utf8), edits: edits).output, as: UTF8.self)
}

/// The page fed in chunks cut at `cuts` (ascending offsets), and the edits that matched.
func rewrite(_ page: [UInt8], edits: [HTMLEdit], cuts: [Int]) -> (output: [UInt8], matchedEdits: [Bool]) {
    let rewriter = HTMLRewriter(edits: edits)
    var output: [UInt8] = []
    page.pieces(cutAt: cuts) { rewriter.feed($0, into: &output) }
    rewriter.finish(into: &output)
    return (output, rewriter.matchedEdits)
}

extension [UInt8] {
    /// The bytes in pieces cut at `cuts` (ascending offsets; any past the end or before the
    /// last are ignored), then the rest.
    func pieces(cutAt cuts: [Int], _ body: (UnsafeRawBufferPointer) -> Void) {
        withUnsafeBytes { bytes in
            var start = 0
            for cut in cuts + [bytes.count] where cut >= start && cut <= bytes.count {
                body(UnsafeRawBufferPointer(rebasing: bytes[start..<cut]))
                start = cut
            }
        }
    }
}

/// Reproducible randomness for generated pages: the same seed, the same page.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

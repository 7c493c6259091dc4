/// Pages the rewriter has edited recently, as they came and as they went out, so that a page
/// that comes again byte for byte (a landing page served to every visitor of an arm) is
/// compared and copied instead of tokenized again: see `MemoizedRewriter`.
///
/// Loop-bound: one memo per event loop, used only by the rewriters of that loop, so it needs
/// no lock. Its memory is bounded: pages up to `largestPage` bytes, at most `byteBudget` bytes
/// of remembered pages, and as much again for pages being recorded.
public final class RewriteMemo {
    /// The most bytes of remembered pages (input, output and checkpoints).
    public let byteBudget: Int
    /// The most bytes one remembered page takes (input, output and checkpoints together).
    public let largestPage: Int
    /// A remembered run feeds the rewriter pieces of at most this many bytes, so that a page
    /// copied from memory streams in pieces no larger, and a changed page may catch up with
    /// the remembered run this often.
    static let longestPiece = 4 * 1024
    /// The longest page remembered as it came: no longer than a tag the tokenizer holds, so no
    /// tag in it passes through, and its edited output is the same whatever pieces it came in.
    static let longestInput = HTMLTokenizer.longestHeldTag
    /// The most pages remembered, whatever their size.
    static let mostPages = 256

    private var pages: [String: RememberedPage] = [:]
    /// The keys of `pages`, the least recently remembered first.
    private var order: [String] = []
    private(set) var storedBytes = 0
    /// Bytes set aside for pages being recorded (`largestPage` each).
    private(set) var reservedBytes = 0

    public init(byteBudget: Int = 8 << 20, largestPage: Int = 2 << 20) {
        self.byteBudget = byteBudget
        self.largestPage = largestPage
    }

    /// How many pages are remembered.
    public var count: Int { pages.count }

    /// The page remembered for `key` (made with whatever edits: the rewriter compares them).
    func page(for key: String) -> RememberedPage? { pages[key] }

    /// Remembers `page` in place of any other with its key, forgetting the oldest pages while
    /// over budget.
    func remember(_ page: RememberedPage) {
        guard page.byteCount <= largestPage else { return }
        if let old = pages.removeValue(forKey: page.key) {
            storedBytes -= old.byteCount
            order.removeAll { $0 == page.key }
        }
        pages[page.key] = page
        order.append(page.key)
        storedBytes += page.byteCount
        while storedBytes > byteBudget || pages.count > Self.mostPages, !order.isEmpty {
            let oldest = order.removeFirst()
            if let evicted = pages.removeValue(forKey: oldest) { storedBytes -= evicted.byteCount }
        }
    }

    /// Sets aside room to record a page; false when as many pages are being recorded as the
    /// budget allows (the page is then edited without being remembered).
    func reserveRecording() -> Bool {
        guard reservedBytes + largestPage <= byteBudget else { return false }
        reservedBytes += largestPage
        return true
    }

    func endRecording() { reservedBytes -= largestPage }
}

/// One edited page: its bytes as the upstream sent them, as the visitor got them, and where
/// the run that made it stood after each `feed`.
final class RememberedPage {
    struct Checkpoint {
        /// Input taken and output given so far.
        var input: Int
        var output: Int
    }

    /// Where the run stood after a `feed`, to catch up with it: its state, and how many
    /// elements each edit had matched.
    struct Resumption {
        var state: RewriteState
        var matchCounts: [Int]

        var byteCount: Int { state.approximateByteCount + matchCounts.count * 8 }
    }

    let key: String
    let edits: [HTMLEdit]
    let input: [UInt8]
    let output: [UInt8]
    /// After each `feed` call of the run, in order; the last is after `finish` (the whole input
    /// and the whole output).
    let checkpoints: [Checkpoint]
    /// One per `feed` checkpoint (all but the last).
    let resumptions: [Resumption]
    /// Per edit, the elements it matched in the whole page.
    let matchCounts: [Int]
    var matchedEdits: [Bool] { matchCounts.map { $0 > 0 } }
    /// Visits that got this page whole, and visits whose page turned out to differ from it:
    /// a page that differs every time (a request id near its top) is re-recorded only now and
    /// then, not on every visit.
    var hits = 0
    var misses = 0

    /// Counts a visit whose page differed from this one (or whose edits did), and says whether
    /// it should record its own page to replace this one: always once this page has served a
    /// visit whole, else for the first two misses, then one in 64.
    func missed() -> Bool {
        misses += 1
        return hits > 0 || misses <= 2 || misses % 64 == 0
    }

    init(
        key: String, edits: [HTMLEdit], input: [UInt8], output: [UInt8], checkpoints: [Checkpoint],
        resumptions: [Resumption], matchCounts: [Int]
    ) {
        self.key = key
        self.edits = edits
        self.input = input
        self.output = output
        self.checkpoints = checkpoints
        self.resumptions = resumptions
        self.matchCounts = matchCounts
        byteCount =
            input.count + output.count + checkpoints.count * MemoryLayout<Checkpoint>.stride + key.utf8.count
            + resumptions.reduce(0) { $0 + $1.byteCount }
    }

    let byteCount: Int
}

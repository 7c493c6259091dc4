import BanditHTML
import Benchmark

/// The HTML rewriter's own throughput: a whole page per iteration, fed in 16 KiB chunks as
/// the proxy receives it from the upstream. Pages per second times the page's size is the
/// rewriter's MB/s on one core (issue #10's goal: at least 200 MB/s).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions],
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 2_000
    )

    // The five edits of bench/edits.sh, and five that match nothing in these pages.
    let fiveEdits = edits([
        ("h1#headline", .text("Ship faster. Today.")),
        ("a.cta", .setAttribute(name: "href", value: "/signup/?plan=pro")),
        ("#banner", .remove),
        ("head", .append("<style>.cta{background:#16a34a}</style>")),
        (".lead", .html("<strong>Free</strong> for 30 days")),
    ])
    let unmatched = edits([
        ("h1#missing", .text("x")), ("a.nowhere", .setAttribute(name: "href", value: "/")),
        ("#gone", .remove), ("main aside", .append("<b>x</b>")), (".absent", .html("x")),
    ])

    for (pageName, page) in [("bench/edits.sh page", Pages.denseLanding), ("article", Pages.article)] {
        for (editsName, edits) in [("five edits", fiveEdits), ("edits matching nothing", unmatched)] {
            let megabytes = Double(page.count) / 1_000_000
            Benchmark("\(pageName) (\(page.count / 1024) KiB), \(editsName); MB/s = throughput × \(megabytes)") {
                benchmark in
                var output: [UInt8] = []
                output.reserveCapacity(page.count + 4096)
                for _ in benchmark.scaledIterations {
                    output.removeAll(keepingCapacity: true)
                    let rewriter = HTMLRewriter(edits: edits)
                    inPieces(page) { rewriter.feed($0, into: &output) }
                    rewriter.finish(into: &output)
                    blackHole(output)
                }
            }
        }
    }

    // The proxy's path: a `MemoizedRewriter` with the loop's memo. The same page again is
    // compared and copied; a page with a new id near its top (as a CSRF token or a request id
    // makes it) is edited up to the next remembered piece, then compared and copied.
    let page = Pages.denseLanding
    for (name, changes) in [("the same page again", false), ("a new id near its top", true)] {
        // A thousand visits per run (reported per visit): a run starts with a new memo, and only
        // the first visits of a page edit and record it.
        Benchmark(
            "MemoizedRewriter, bench/edits.sh page, five edits, \(name)",
            configuration: .init(scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 100)
        ) { benchmark in
            let memo = RewriteMemo()
            var output: [UInt8] = []
            output.reserveCapacity(page.count + 4096)
            var visit = page
            // The first visit, which edits the page and remembers it, is not measured.
            rewrite(visit, with: MemoizedRewriter(edits: fiveEdits, key: "/", memo: memo), into: &output)
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                if changes {
                    // Eight digits over "Lorem ip" (byte 356), the first paragraph's text.
                    var id = 10_000_000 + iteration
                    for index in (356..<364).reversed() {
                        visit[index] = UInt8(ascii: "0") + UInt8(id % 10)
                        id /= 10
                    }
                }
                output.removeAll(keepingCapacity: true)
                rewrite(visit, with: MemoizedRewriter(edits: fiveEdits, key: "/", memo: memo), into: &output)
                blackHole(output)
            }
        }
    }
}

/// The page through `rewriter` in 16 KiB pieces.
private func rewrite(_ page: [UInt8], with rewriter: MemoizedRewriter, into output: inout [UInt8]) {
    inPieces(page) { rewriter.feed($0, into: &output) }
    rewriter.finish(into: &output)
}

/// The page in 16 KiB pieces, as the proxy reads it from an upstream.
private func inPieces(_ page: [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
    page.withUnsafeBytes { bytes in
        var start = 0
        while start < bytes.count {
            let end = min(start + 16 * 1024, bytes.count)
            body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            start = end
        }
    }
}

private func edits(_ list: [(String, HTMLEditAction)]) -> [HTMLEdit] {
    list.map { selector, action in
        // The selectors are literals of this file: a parse failure is a bug here.
        HTMLEdit(selector: try! HTMLSelector(parsing: selector), action: action)
    }
}

/// The pages, built once.
enum Pages {
    /// bench/edits.sh's page: a tag every 19 bytes or so, the worst case for a rewriter.
    static let denseLanding: [UInt8] = {
        var body =
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Pricing</title>"
            + "<link rel=\"stylesheet\" href=\"/static/site.css\"></head><body>"
            + "<div id=\"banner\">Spring sale</div><main><h1 id=\"headline\">Ship when you are ready</h1>"
            + "<p class=\"lead\">Start free, upgrade when it pays.</p><a class=\"cta\" href=\"/signup/\">Sign up</a>"
        let paragraph =
            "<section class=\"feature\"><h2>Feature</h2><p>Lorem ipsum dolor sit amet, <a href=\"/docs/\">"
            + "consectetur</a> adipiscing elit, sed do <em>eiusmod</em> tempor incididunt ut labore.</p></section>\n"
        while body.utf8.count < 100 * 1024 { body += paragraph }
        return Array((body + "</main></body></html>\n").utf8)
    }()

    /// A long article: paragraphs of prose with a few links, a script and a style in the head.
    static let article: [UInt8] = {
        var body =
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Notes</title>"
            + "<style>body{font:16px/1.5 system-ui} .lead{font-size:1.2em}</style>"
            + "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script>"
            + "</head><body><div id=\"banner\">New</div><header><nav><a href=\"/\">Home</a> <a href=\"/blog/\">Blog</a>"
            + "</nav></header><main><article><h1 id=\"headline\">What we learned</h1>"
            + "<p class=\"lead\">A year of running experiments.</p><a class=\"cta\" href=\"/signup/\">Sign up</a>"
        let paragraph =
            "<p>Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, "
            + "totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae "
            + "dicta sunt explicabo. Nemo enim ipsam voluptatem quia <a href=\"/notes/voluptas/\">voluptas</a> sit "
            + "aspernatur aut odit aut fugit, sed quia consequuntur magni dolores eos qui ratione voluptatem "
            + "sequi nesciunt &amp; neque porro quisquam est.</p>\n"
        while body.utf8.count < 100 * 1024 { body += paragraph }
        return Array((body + "</article></main><footer>© 2026</footer></body></html>\n").utf8)
    }()
}

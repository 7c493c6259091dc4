import BanditCore
import BanditHTML
import NIOCore

/// An HTML page being edited for the arms it is served to (`ArmVariant.html`): the upstream's
/// body goes through an `HTMLRewriter` chunk by chunk, so memory stays flat and the first
/// bytes reach the visitor before the page has finished arriving.
final class PageEditor {
    private let rewriter: HTMLRewriter
    private let arms: [ArmReference]
    private var output: [UInt8] = []

    /// Whether a response is a page edits apply to: a 200 with an HTML body in the identity
    /// coding (the request asked for it), not the answer to a HEAD request.
    static func isEditable(_ head: UpstreamResponseHead, requestIsHEAD: Bool) -> Bool {
        guard head.status == 200, !requestIsHEAD,
            let type = head.firstValue(of: "content-type"), type.lowercased().hasPrefix("text/html")
        else { return false }
        return (head.firstValue(of: "content-encoding") ?? "identity").lowercased() == "identity"
    }

    /// An editor applying the `html` edits of `arms` and adding `goalScriptTag` at the end of
    /// the page's `head`; nil when there is nothing to do.
    init?(arms: [ArmReference], goalScriptTag: String?, engine: ExperimentEngine) {
        guard !arms.isEmpty || goalScriptTag != nil else { return nil }
        var edits = engine.htmlEdits(of: arms)
        // Last: the match counts of the arms' edits come first, in their order.
        if let goalScriptTag { edits.append(HTMLEdit(selector: Self.head, action: .append(goalScriptTag))) }
        rewriter = HTMLRewriter(edits: edits)
        self.arms = arms
    }

    /// The page's `head`, implied by the parser where the markup leaves it out.
    private static let head: HTMLSelector = {
        do { return try HTMLSelector(parsing: "head") } catch { preconditionFailure("\(error)") }
    }()

    /// The edited bytes for the next piece of the page (possibly none yet).
    func edit(_ piece: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        output.removeAll(keepingCapacity: true)
        piece.withUnsafeReadableBytes { rewriter.feed($0, into: &output) }
        return output.isEmpty ? nil : allocator.buffer(bytes: output)
    }

    /// What the rewriter still held at the end of the page; counts which edits matched.
    func finish(allocator: ByteBufferAllocator, engine: ExperimentEngine) -> ByteBuffer? {
        output.removeAll(keepingCapacity: true)
        rewriter.finish(into: &output)
        engine.recordEditedResponse(for: arms, matched: rewriter.matchedEdits)
        return output.isEmpty ? nil : allocator.buffer(bytes: output)
    }

    /// A strong validator names the upstream's bytes, which the visitor no longer gets; a
    /// weak one (`W/"…"`) still says "the same page" (RFC 9110 §8.8.1).
    static func weakened(etag: String) -> String {
        etag.hasPrefix("W/") ? etag : "W/" + etag
    }
}

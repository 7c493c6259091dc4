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

    /// An editor when the response is a page the edits apply to: a 200 with an HTML body in
    /// the identity coding (the request asked for it), not the answer to a HEAD request.
    init?(for head: UpstreamResponseHead, arms: [ArmReference], engine: ExperimentEngine, requestIsHEAD: Bool) {
        guard !arms.isEmpty, head.status == 200, !requestIsHEAD,
            let type = head.firstValue(of: "content-type"), type.lowercased().hasPrefix("text/html"),
            (head.firstValue(of: "content-encoding") ?? "identity").lowercased() == "identity"
        else { return nil }
        rewriter = HTMLRewriter(edits: engine.htmlEdits(of: arms))
        self.arms = arms
    }

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

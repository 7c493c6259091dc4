import BanditCore
import BanditHTML
import Foundation
import NIOCore

/// An HTML page being edited for the arms it is served to (`ArmVariant.html`) or given the
/// goal script: the upstream's body goes through an HTML rewriter chunk by chunk, so memory
/// stays flat and the first bytes reach the visitor before the page has finished arriving.
/// The rewriter remembers the pages of its event loop (`MemoizedRewriter`): a page that comes
/// again unchanged is compared with the edited one it made last time rather than edited again.
/// A page the site sent compressed is decoded on the way in and, for a visitor that accepts
/// gzip, encoded again on the way out.
final class PageEditor {
    private let rewriter: MemoizedRewriter
    private let arms: [ArmReference]
    private var output: [UInt8] = []
    private let inflater: BodyInflater?
    private let deflater: BodyDeflater?
    /// The coding the visitor receives.
    let visitorCoding: ContentCoding

    /// The coding of a response edits apply to: a 200 with an HTML body in a coding the proxy
    /// decodes, not the answer to a HEAD request. Nil for any other response.
    static func editableCoding(of head: UpstreamResponseHead, requestIsHEAD: Bool) -> ContentCoding? {
        guard head.status == 200, !requestIsHEAD,
            let type = head.firstValue(of: "content-type"), type.lowercased().hasPrefix("text/html")
        else { return nil }
        return ContentCoding(contentEncoding: head.joinedValues(of: "content-encoding", separator: ","))
    }

    /// An editor applying the `html` edits of `arms` and adding `goalScriptTag` at the end of
    /// the page's `head`; nil when there is nothing to do. `coding` is the upstream's; the
    /// visitor gets gzip when the site compressed the page and the visitor accepts gzip.
    /// `page` names the page in `memo` (its host and URI): pages are remembered per page and arms.
    init?(
        arms: [ArmReference], goalScriptTag: String?, coding: ContentCoding, visitorAcceptsGzip: Bool,
        page: String, memo: RewriteMemo, engine: ExperimentEngine, allocator: ByteBufferAllocator
    ) throws {
        guard !arms.isEmpty || goalScriptTag != nil else { return nil }
        var edits = engine.htmlEdits(of: arms)
        // Last: the match counts of the arms' edits come first, in their order.
        if let goalScriptTag { edits.append(HTMLEdit(selector: Self.head, action: .append(goalScriptTag))) }
        var key = page
        for arm in arms { key += " \(arm.experiment).\(arm.arm)" }
        rewriter = MemoizedRewriter(edits: edits, key: key, memo: memo)
        self.arms = arms
        inflater = coding == .identity ? nil : try BodyInflater(coding, allocator: allocator)
        visitorCoding = coding != .identity && visitorAcceptsGzip ? .gzip : .identity
        deflater = visitorCoding == .gzip ? try BodyDeflater() : nil
    }

    /// The page's `head`, implied by the parser where the markup leaves it out.
    private static let head: HTMLSelector = {
        do { return try HTMLSelector(parsing: "head") } catch { preconditionFailure("\(error)") }
    }()

    /// The edited bytes for the next piece of the page (possibly none yet). Throws for a
    /// compressed body that cannot be decoded.
    func edit(_ piece: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        output.removeAll(keepingCapacity: true)
        if let inflater {
            try inflater.inflate(piece) { rewriter.feed($0, into: &output) }
        } else {
            piece.withUnsafeReadableBytes { rewriter.feed($0, into: &output) }
        }
        return try encoded(allocator: allocator)
    }

    /// What the rewriter still held at the end of the page (and the end of the gzip stream);
    /// counts which edits matched.
    func finish(allocator: ByteBufferAllocator, engine: ExperimentEngine) throws -> ByteBuffer? {
        output.removeAll(keepingCapacity: true)
        rewriter.finish(into: &output)
        engine.recordEditedResponse(for: arms, matched: rewriter.matchedEdits)
        var rest = try encoded(allocator: allocator)
        if let deflater {
            var end = try deflater.finish(allocator: allocator)
            if rest == nil { rest = end } else { rest!.writeBuffer(&end) }
        }
        return rest
    }

    private func encoded(allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        guard !output.isEmpty else { return nil }
        guard let deflater else { return ClientBodyFraming.chunkable(output, allocator: allocator) }
        return try deflater.deflate(output, allocator: allocator)
    }

    /// A strong validator names the upstream's bytes, which the visitor no longer gets; a
    /// weak one (`W/"…"`) still says "the same page" (RFC 9110 §8.8.1).
    static func weakened(etag: String) -> String {
        etag.hasPrefix("W/") ? etag : "W/" + etag
    }

    /// Whether the upstream's `Vary` already covers `Accept-Encoding` (or everything).
    static func variesOnAcceptEncoding(_ head: UpstreamResponseHead) -> Bool {
        guard let vary = head.joinedValues(of: "vary", separator: ",") else { return false }
        return vary.split(separator: ",").contains { element in
            let name = element.trimmingCharacters(in: .whitespaces).lowercased()
            return name == "accept-encoding" || name == "*"
        }
    }
}

import BanditCore

/// A request whose response the proxy may edit: what the upstream is asked for.
extension ProxyHandler {
    /// The goal script goes into pages only: an image or a stylesheet of the same session
    /// keeps its own codings and never goes through the rewriter.
    static func goalScriptForPagesOnly(_ decision: consuming Decision, _ head: borrowing ClientRequestHead)
        -> Decision
    {
        var decision = decision
        if !decision.goalScriptExperiments.isEmpty && !head.mayAcceptHTML { decision.goalScriptExperiments = [] }
        return decision
    }

    /// The codings among those the proxy decodes that the visitor accepts too.
    static func decodableAcceptEncoding(_ head: borrowing ClientRequestHead) -> AcceptEncoding {
        .replaced(
            ContentCoding.upstreamAcceptEncoding(
                visitorAccepts: head.joinedValues(of: "accept-encoding", separator: ",")))
    }
}
